"""Whether a search asks to reach a person ("talk to a human", "contact support", "phone number").

Such a search wants the way to support, not an article: the portal offers the contact form
first (the articles still follow), the log keeps it apart from the failed searches, and
``kb gaps`` counts it as a visitor who asked for a person instead of advising an article
called "Talk to a human". Its words are poor evidence for the ranking: "contact support"
matched *Roles and permissions* (its text says "contact support") with full confidence.

One small rule per language, on the folded query (lower case, no accents, punctuation and
apostrophes as spaces), and a query asks for a person when any of these holds:

- a verb of reaching someone, then who: "contact support", "talk to a human", "call you",
  "parler à un conseiller", "mit einem Menschen sprechen" (German puts the verb last: either
  order), "hablar con alguien". Verbs of sending (call, email, message) take only support,
  "you" or "us": "message someone" and "email a person" are things done in the product.
- a phrase that names the way to support wherever it stands: "customer service", "support
  email", "live chat", "service client", "Kundenservice", "atención al cliente".
- the whole query, once its question words are dropped, is a bare channel or "support":
  "phone number", "what is your phone number", "contact", "human" (but "change my phone
  number" is an account setting, and "phone app" an article).

A language without its own rule uses the English one (people type English on any portal),
and every language's rule adds the English one. Measured by ``bench/person_eval.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb_core.search.text.analysis import fold

__all__ = ["asks_for_person"]


@dataclass(frozen=True)
class _Rule:
    """One language's words, as regular-expression alternations over folded words."""

    talk: str  # verbs that reach a person: "talk to", "contact", "reach"
    send: str  # verbs that send to someone: "call", "email", "message"
    support: str  # who answers: "support", "customer service", "an agent"
    anyone: str  # any person: "someone", "a human" (after ``talk`` only)
    you: str  # the help center's own people: "you", "us"
    phrases: str  # the way to support on its own, anywhere in the query
    whole: str  # a query that is only this (after ``filler``) asks too
    filler: frozenset[str]  # question words dropped before ``whole`` is tried
    verb_last: bool = False  # German: the verb may follow who, or its subject come between

    def matcher(self) -> _Matcher:
        who_talk = f"(?:{self.support}|{self.anyone}|{self.you})"
        who_send = f"(?:{self.support}|{self.you})"
        near = r"(?:\s+\w+){0,3}?\s+"  # a few words between: "erreiche ich den Support"
        pattern = (
            rf"\b(?:(?:{self.talk})\s+{who_talk}|(?:{self.send})\s+{who_send}|{self.phrases})\b"
        )
        last = (
            re.compile(
                rf"\b(?:{who_talk}{near}(?:{self.talk}|{self.send})|"
                rf"(?:{self.talk}|{self.send}){near}{who_talk})\b"
            )
            if self.verb_last
            else None
        )
        return _Matcher(re.compile(pattern), last, re.compile(rf"^(?:{self.whole})$"), self.filler)


@dataclass(frozen=True)
class _Matcher:
    said: re.Pattern[str]  # a verb and who, or a phrase, anywhere
    said_last: re.Pattern[str] | None  # who, then the verb
    whole: re.Pattern[str]
    filler: frozenset[str]

    def asks(self, text: str) -> bool:
        if self.said.search(text) or (self.said_last is not None and self.said_last.search(text)):
            return True
        rest = " ".join(w for w in text.split() if w not in self.filler)
        return bool(self.whole.match(rest))


_DETERMINER = r"(?:(?:a|an|the|your|a real|a live|an actual|the)\s+)?"
_RULES: dict[str, _Rule] = {
    "en": _Rule(
        talk=r"talk (?:to|with)|speak (?:to|with)|chat (?:to|with)|contact|reach|"
        r"get (?:in touch|through) (?:to|with)|get hold of|get ahold of|"
        r"connect me (?:to|with)|be connected (?:to|with)",
        send=r"call|phone|ring|email|e mail|mail|message|text|write to|dm",
        support=_DETERMINER + r"(?:(?:customer|tech|technical) (?:service|support|care)|"
        r"support(?: team| staff| agent| person)?|help ?desk|agent|representative|rep|operator)",
        anyone=r"someone|somebody|anyone|anybody|"
        + _DETERMINER
        + r"(?:person|human(?: being)?|human agent)",
        you=r"you(?: guys)?|us",
        phrases=r"customer (?:service|support|care)|(?:tech|technical) support|"
        r"support (?:e ?mail|phone|number|line|hotline|hours|ticket|team)|"
        r"(?:phone|email|e mail|live) support|live (?:chat|agent|person|human)|"
        r"real (?:person|human)|human being|help ?desk|hotline|"
        r"contact (?:details|info|information|number|page|form)|"
        r"(?:phone|telephone|contact) number (?:for|of) (?:support|customer service|you)",
        whole=r"(?:contact|contact us|support|help ?desk|phone|telephone|phone number|"
        r"telephone number|number to call|live chat|chat|human|(?:real )?person|agent|"
        r"representative|operator)",
        filler=frozenset(
            "what whats s is are the your a an where how do does can could i we to find get "
            "need please pls give me for of".split()
        ),
    ),
    "fr": _Rule(
        talk=r"contacter|contactez|contacte|joindre|joins|joint|parler (?:a|au|avec)|"
        r"parle (?:a|au|avec)|discuter avec|(?:entrer|me mettre|prendre) (?:en )?contact avec|"
        r"mettre en relation avec|avoir",
        send=r"appeler|appelle|appelez|telephoner (?:a|au)|ecrire (?:a|au)|"
        r"envoyer un (?:e )?mail (?:a|au)",
        support=r"(?:(?:le|au|du|l|un|une|des) )?(?:support(?: technique| client)?|"
        r"service (?:client|clients|apres vente)|sav|assistance|conseiller|conseillere|agent|"
        r"technicien|equipe (?:support|d assistance))",
        anyone=r"quelqu un|(?:une )?(?:vraie )?personne(?: reelle)?|(?:un )?(?:vrai )?humain|"
        r"un etre humain",
        you=r"vous|nous",
        phrases=r"service (?:client|clients|apres vente)|support technique|"
        r"assistance telephonique|chat en (?:direct|ligne)|hotline|"
        r"(?:vous|nous) (?:contacter|joindre|appeler|ecrire|parler|telephoner)|contactez nous|"
        r"(?:numero|telephone|e ?mail|adresse e ?mail|adresse mail) (?:du|de l|de la) "
        r"(?:support|service client|assistance|sav)",
        whole=r"(?:contact|contacts|support|assistance|sav|telephone|numero|"
        r"numero telephone|humain|conseiller|chat)",
        filler=frozenset(
            "quel quelle est le la les l votre vos ou comment trouver je j veux voudrais "
            "besoin de d un une s il plait c qu".split()
        ),
    ),
    "de": _Rule(
        talk=r"kontaktieren|kontaktiere|erreichen|erreiche|erreicht|sprechen|spreche|"
        r"reden|rede|chatten|wenden|wende",
        send=r"anrufen|rufe|ruft|schreiben|schreibe|mailen|telefonieren",
        support=r"(?:(?:den|dem|der|einen|einem|einen|ihren|ihrem|an den|mit dem|mit einem|"
        r"beim) )?(?:support|kundenservice|kundendienst|kundensupport|kundenbetreuung|"
        r"hotline|helpdesk|berater|beraterin|ansprechpartner|ansprechpartnerin)",
        anyone=r"(?:mit )?(?:einem|einen|echten|einem echten) menschen|(?:mit )?jemandem|jemanden",
        you=r"(?:mit )?(?:ihnen|euch)",
        phrases=r"kundenservice|kundendienst|kundensupport|kundenbetreuung|hotline|"
        r"live ?chat|(?:echten|einem) menschen|"
        r"support (?:telefonnummer|nummer|e ?mail|hotline|zeiten)|supportnummer|"
        r"telefonnummer (?:des|vom) (?:supports?|kundenservice)",
        whole=r"(?:kontakt|support|telefonnummer|telefon|mensch|ansprechpartner|chat)",
        filler=frozenset(
            "wie was ist die der den dem ihre eure wo finde ich kann brauche bitte einen eine "
            "zum zur mit an lautet".split()
        ),
        verb_last=True,
    ),
    "es": _Rule(
        talk=r"contactar(?: con)?|contacto con|hablar con|hablo con|comunicarme con|"
        r"comunicarse con|(?:ponerme|ponerse) en contacto con|chatear con",
        send=r"llamar(?: a| al)?|llamo(?: a| al)?|escribir(?: a| al)|"
        r"enviar un correo(?: a| al)",
        support=r"(?:(?:el|al|un|una) )?(?:soporte(?: tecnico)?|servicio al cliente|"
        r"servicio de atencion al cliente|atencion al cliente|agente|asesor|representante)",
        anyone=r"alguien|(?:una )?persona(?: real)?|(?:un )?(?:ser )?humano",
        you=r"ustedes|vosotros",
        phrases=r"atencion al cliente|servicio al cliente|soporte tecnico|chat en vivo|"
        r"linea de ayuda|(?:contactar|llamar|escribir)(?:les|los|nos|os|te)|"
        r"(?:numero de telefono|telefono|correo|email) (?:de|del) "
        r"(?:soporte|atencion al cliente|servicio al cliente)",
        whole=r"(?:contacto|soporte|telefono|numero telefono|humano|agente|asesor|chat)",
        filler=frozenset(
            "cual es el la los su sus donde como encuentro encontrar necesito quiero por "
            "favor un una de para".split()
        ),
    ),
}
_MATCHERS = {code: rule.matcher() for code, rule in _RULES.items()}
_WORD = re.compile(r"[^\W_]+")


def asks_for_person(query: str, language: str = "en") -> bool:
    """Whether ``query`` asks to reach a person (support, a human, a phone number), read
    with ``language``'s rule and the English one."""
    text = " ".join(_WORD.findall(fold(query)))
    if not text:
        return False
    codes = dict.fromkeys((language, "en"))
    return any(_MATCHERS[c].asks(text) for c in codes if c in _MATCHERS)
