"""Publish rendered shards as one site: files swapped in atomically, sitemaps, redirect pages,
and Material's static search index from the text the build already extracted.
"""

from __future__ import annotations

import contextlib
import filecmp
import gzip
import html
import json
import os
import shutil
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path

from kb_builder.pages import TreePlan, relative_url


def publish_search_index(dest: Path, shard_site: Path, entries: Path) -> None:
    """Write Material's static search index to ``dest`` from the text the build already
    extracted, unless ``dest`` holds it already (see :func:`publish_file`).

    ``entries`` is a file holding the JSON list of the index's documents (see
    :func:`write_entries`), copied through a buffer: a large knowledge base's index (50 MB for
    10,000 articles) is never held in memory.
    """
    try:
        path = shard_site / "search" / "search_index.json"
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        index = {
            "config": {"lang": ["en"], "separator": r"[\s\-]+", "pipeline": ["stopWordFilter"]}
        }
    index.pop("docs", None)
    head = json.dumps(index, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.kb-tmp")
    with open(tmp, "wb") as out, open(entries, "rb") as docs:
        out.write(head[:-1] + (b',"docs":' if index else b'"docs":'))
        shutil.copyfileobj(docs, out)
        out.write(b"}")
    if dest.is_file() and filecmp.cmp(tmp, dest, shallow=False):
        tmp.unlink()
    else:
        os.replace(tmp, dest)


def write_entries(path: Path, entries: Iterable[dict[str, str]]) -> None:
    """Keep the documents of a static search index in ``path`` until the site is assembled.

    Material's search draws an entry's title and text as HTML; ours are plain text, so they are
    escaped here and show as written, tags and all. Written an entry at a time: the same JSON
    list as one ``json.dumps`` of them all, without holding it (100 MB of text for 10,000
    articles) or a second copy of the entries in memory.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        for n, entry in enumerate(entries):
            escaped = {
                k: html.escape(v, quote=False) if k in ("title", "text") else v
                for k, v in entry.items()
            }
            text = json.dumps(escaped, ensure_ascii=False, separators=(",", ":"))
            out.write("," + text if n else text)
        out.write("]")


def page_dest(rel: str) -> str:
    """The site file of a docs page: 'a/b.md' -> 'a/b/index.html', 'a/index.md' -> itself."""
    stem = rel[:-3]
    if stem == "index" or stem.endswith("/index"):
        return stem + ".html"
    return stem + "/index.html"


def publish_file(path: Path, data: bytes) -> bool:
    """Replace ``path`` atomically with ``data`` unless it holds that already; True if written."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    folder = os.path.dirname(path)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.kb-tmp")
    try:
        f = open(tmp, "wb")
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
        f = open(tmp, "wb")
    with f:
        f.write(data)
    os.replace(tmp, path)
    return True


def _link_new(src: str, dst: str) -> None:
    """:func:`_link_in` where nothing is at ``dst`` and its folder exists (an empty site's
    first build): one ``link`` per file, where asking first cost three failing calls and a
    ``makedirs`` (2,000 pages: the build's last tenth of a second, nothing else running)."""
    try:
        os.link(src, dst)
    except OSError:  # another file system, or something there after all
        _link_in(src, dst)


def _link_in(src: str, dst: str) -> None:
    try:
        if os.path.samestat(os.stat(src), os.stat(dst)):
            return  # the same file: already published
    except OSError:  # nothing there yet (the common case of a first build): link it in at once
        try:
            os.link(src, dst)
            return
        except FileNotFoundError:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            try:
                os.link(src, dst)
                return
            except OSError:
                pass
        except OSError:
            pass
    tmp = os.path.join(os.path.dirname(dst), f".{os.path.basename(dst)}.kb-tmp")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copy2(src, tmp)
    os.replace(tmp, dst)


def assemble(
    shard_sites: list[Path],
    site_dir: Path,
    plan: TreePlan,
    site_url: str,
    entries: Path,
    extra: Mapping[str, bytes] | None = None,
    others: Collection[str] = (),
) -> None:
    """Publish the shards as one site, in place: every file is swapped in atomically.

    ``others`` are top-level folders that hold other sites (the other languages' portals,
    ``fr``): left as they are.

    Shard files are hard-linked, so an unchanged page costs one ``stat``; files that no shard
    and no generated page holds any more are removed. Deleting and re-creating the whole tree
    on every build took longer than rendering an edited page.
    """
    site_dir = site_dir.resolve()
    fresh = not site_dir.is_dir() or not any(site_dir.iterdir())  # nothing in it to remove
    site_dir.mkdir(parents=True, exist_ok=True)
    generated = {
        **redirect_pages(plan),
        **sitemap_files(plan, site_url),
        **(extra or {}),  # e.g. the help widget's files
    }
    keep = {*generated, "search/search_index.json"}
    publish_search_index(site_dir / "search" / "search_index.json", shard_sites[0], entries)
    # Paths as strings, cut rather than os.path.relpath'd: a page is a folder of its own, and
    # pathlib and relpath on each cost more than linking the page in (publish is the build's tail)
    dest = os.fspath(site_dir) + "/"
    for shard in shard_sites:
        for root, prefix, files in _walk(os.fspath(shard)):
            made = not fresh  # in an empty site, each folder is made once, before its first file
            for name in files:
                rp = prefix + name
                if rp in keep:  # theme assets are in every shard: the first copy stays
                    continue
                keep.add(rp)
                if not made:
                    os.makedirs(dest + prefix, exist_ok=True)
                    made = True
                if fresh:
                    _link_new(root + "/" + name, dest + rp)
                else:
                    _link_in(root + "/" + name, dest + rp)
    for rp, source in plan.images.items():  # the content's images its pages show
        if rp not in keep:  # a theme file at the same path stays
            keep.add(rp)
            copy_in(source, dest + rp)
    for rp, data in generated.items():
        publish_file(site_dir / rp, data)
    for root, prefix, files in () if fresh else _walk(os.fspath(site_dir), topdown=False):
        if prefix.split("/", 1)[0] in others:
            continue
        kept = False
        for name in files:
            if prefix + name in keep:
                kept = True
            else:
                os.unlink(root + "/" + name)
        if prefix and not kept and not os.listdir(root):
            os.rmdir(root)


def copy_in(source: str, dest: str) -> None:
    """Copy the content file ``source`` to ``dest`` (swapped in atomically) unless ``dest`` is
    a copy of it already: the same size and modification time, which the copy keeps.

    Copied, not linked: a writer editing the image in place must not change the published
    site before the next build. A file gone since the planning is left out.
    """
    try:
        src = os.stat(source)
    except OSError:
        return
    try:
        old = os.stat(dest)
        if old.st_size == src.st_size and old.st_mtime_ns == src.st_mtime_ns:
            return
    except OSError:
        pass
    folder = os.path.dirname(dest)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(dest)}.kb-tmp")
    try:
        shutil.copyfile(source, tmp)  # the content's permissions stay behind: umask's apply
        os.utime(tmp, ns=(src.st_atime_ns, src.st_mtime_ns))
    except OSError:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        return
    os.replace(tmp, dest)


def _walk(top: str, topdown: bool = True) -> Iterator[tuple[str, str, list[str]]]:
    """``os.walk(top)`` as (folder, its path below ``top`` with a final slash or '', files)."""
    cut = len(top) + 1
    for root, _dirs, files in os.walk(top, topdown=topdown):
        yield root, (root[cut:] + "/" if len(root) > len(top) else ""), files


def sitemap_files(plan: TreePlan, site_url: str) -> dict[str, bytes]:
    """sitemap.xml (and .gz) of one portal; in a site of several languages each URL lists
    itself in every language it is written in (``xhtml:link`` hreflang, full URLs)."""
    urls = sorted(
        rel[: -len("index.md")] if rel.endswith("index.md") else rel[:-3] + "/"
        for rel in plan.files
    )
    languages = plan.data.get("languages") or []
    root = str((plan.data.get("site") or {}).get("url", "")).rstrip("/") + "/"
    written: dict[str, list[str]] = plan.data.get("written_in") or {}

    def alternates(url: str) -> str:
        if not languages:
            return ""
        codes = written.get(url) or [x["code"] for x in languages]
        found = [(x["code"], root + x["prefix"] + url) for x in languages if x["code"] in codes]
        found.append(("x-default", root + languages[0]["prefix"] + url))
        return "".join(
            f'<xhtml:link rel="alternate" hreflang="{c}" href="{html.escape(u)}"/>'
            for c, u in found
        )

    body = "".join(
        f"<url><loc>{html.escape(site_url + u)}</loc>{alternates(u)}</url>" for u in urls
    )
    xhtml = ' xmlns:xhtml="http://www.w3.org/1999/xhtml"' if languages else ""
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
        f'"http://www.sitemaps.org/schemas/sitemap/0.9"{xhtml}>' + body + "</urlset>\n"
    ).encode("utf-8")
    return {"sitemap.xml": xml, "sitemap.xml.gz": gzip.compress(xml, mtime=0)}


def redirect_page(target: str) -> str:
    """A static page that forwards to ``target`` (relative URL) on any static host."""
    t = html.escape(target, quote=True)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<title>Redirecting…</title><link rel="canonical" href="{t}">'
        f'<meta http-equiv="refresh" content="0; url={t}">'
        '<meta name="robots" content="noindex"></head>'
        f'<body><p>This page has moved: <a href="{t}">{t}</a>.</p></body></html>'
    )


def redirect_map(plan: TreePlan) -> dict[str, str]:
    """Old or permanent URL -> current URL, for every article of the tree."""
    live = {a.url for a in plan.articles} | {
        k[: -len("index.md")] for k in plan.files if k.endswith("index.md")
    }
    out: dict[str, str] = {}
    for a in plan.articles:
        out[f"a/{a.id}/"] = a.url
        for old in a.aliases:
            old = old.strip().strip("/")
            old = old[:-3] if old.endswith(".md") else old
            key = old + "/" if old else ""
            if key and key not in live and ".." not in key.split("/"):
                out[key] = a.url
    return out


def redirect_pages(plan: TreePlan) -> dict[str, bytes]:
    return {
        f"{old}index.html": redirect_page(relative_url(old, new)).encode("utf-8")
        for old, new in redirect_map(plan).items()
    }
