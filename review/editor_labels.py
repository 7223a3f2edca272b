"""Swedish texts of the knowledge editor: field names, statuses, and the messages for refused entries.

The validation (actions/knowledge.py) names the field and the kind of fault in English for
developers; :func:`refusal` says the same in Swedish for the editor.
"""
from __future__ import annotations

from typing import Optional

from actions.knowledge import KINDS, KnowledgeError
from actions.knowledge_versions import VersionError

FIELD_LABELS = {
    "id": "Id", "topic": "Ämne", "primary": "Huvudpost", "title": "Rubrik (frågan posten svarar på)",
    "verdict": "Ja/nej-inledning", "answer": "Svar", "conditions": "Villkor", "details": "Bakgrund",
    "counterview": "Den andra rösten", "counterview_source": "Den andra röstens källa",
    "counterview_section": "Den andra röstens avsnitt", "kind": "Slag av uppgift", "source": "Källa",
    "section": "Avsnitt i källan", "related": "Relaterade poster", "keywords": "Nyckelord",
    "questions": "Exempelfrågor", "tailoring": "Anpassning efter motpart", "asks": "Frågetyper",
    "followups": "Föreslagna följdfrågor", "rule": "Regel (villkor i ärendet)", "only_for": "Bara för motparter",
    "owner": "Ägare", "review_by": "Granskas senast", "retired": "Avvecklad",
}
KIND_LABELS = {"strategy": "Strategins förslag", "administration_view": "Förvaltningens synpunkt",
               "public_fact": "Offentlig uppgift"}
STATUS_LABELS = {"live": "Publicerad", "draft": "Utkast", "awaiting": "Väntar på godkännande",
                 "retired": "Avvecklad", "published": "Publicerat", "discarded": "Kastat"}
CHANGE_LABELS = {"added": "Ny post", "changed": "Ändrad", "retired": "Avvecklad", "restored": "Återinförd",
                 "removed": "Borttagen"}
PROBLEMS = {
    "required": "Fältet ”{field}” får inte vara tomt.",
    "list": "Fältet ”{field}” ska vara en lista med en text per rad.",
    "unknown_topic": "Ämnet finns inte. Välj ett av kunskapsbasens ämnen.",
    "wrong_file": "Posten hör till ett annat ämne än det den sparas under.",
    "kind": "Fältet ”{field}” ska vara ett av: " + ", ".join(KIND_LABELS[k] for k in KINDS) + ".",
    "unknown_source": "Källan finns inte i kunskapsbasens källförteckning. Välj en källa i listan.",
    "verdict_opening": "Svaret får inte börja med Ja eller Nej. Skriv ja/nej-inledningen i fältet ”Ja/nej-inledning”.",
    "counterview_source": "”Den andra röstens källa” måste vara en känd källa, "
                          "och då måste ”Den andra rösten” fyllas i.",
    "followups": "Fältet ”{field}” får ha högst tre andra poster.",
    "tailoring": "Fältet ”{field}” är felaktigt: varje rad ska vara ”typ: text” (typ: capital, nordic_capital, "
                 "nordic, eu_member, city, country, organisation) eller ”motpart=Namn: text”.",
    "rule": "Fältet ”{field}” är felaktigt: ange fact, holds, breaks och unstated.",
    "asks": "Fältet ”{field}” måste ange minst en känd frågetyp.",
    "unknown": "Fältet ”{field}” är okänt.",
    "mapping": "Posten är inte ifylld som en post.",
    "duplicate_id": "Id:t används redan av en annan post. Välj ett annat id.",
    "missing_reference": "Fältet ”{field}” hänvisar till en post som inte finns eller är avvecklad.",
    "primary_count": "Varje ämne ska ha precis en huvudpost. Ändringen skulle ge ämnet ingen eller flera.",
    "counterpart": "Fältet ”{field}” nämner en motpart som inte finns i motpartsförteckningen.",
    "asks_reference": "Posten behövs som allmänt svar för en frågetyp och kan inte avvecklas.",
    "date": "Fältet ”{field}” ska vara ett datum (ÅÅÅÅ-MM-DD).",
    "assessment": "Posten används av bedömningsstödet och kan inte avvecklas.",
}
VERSION_PROBLEMS = {
    "unchanged": "Inget har ändrats jämfört med den publicerade versionen.",
    "not_requested": "Utkastet måste först skickas för godkännande.",
    "same_editor": "En annan redaktör än den som skrev eller skickade utkastet måste godkänna det.",
    "no_version": "Versionen finns inte.",
    "no_draft": "Utkastet finns inte längre eller är redan publicerat.",
    "conflict": "En annan version publicerades i samma ögonblick. Försök igen.",
}
GENERIC_REFUSAL = "Posten kunde inte sparas: kunskapsbasen skulle inte gå att läsa in."


def refusal(exc: KnowledgeError | VersionError) -> str:
    """The Swedish message for a refused save or publish, naming the field at fault."""
    if isinstance(exc, VersionError):
        return VERSION_PROBLEMS.get(exc.code, GENERIC_REFUSAL)
    template: Optional[str] = PROBLEMS.get(exc.code or "")
    if template is None:
        return GENERIC_REFUSAL
    field = FIELD_LABELS.get(exc.field or "", exc.field or "")
    message = template.format(field=field)
    return f"Posten sparades inte. {message}"
