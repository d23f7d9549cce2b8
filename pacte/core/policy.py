"""Who may do what in Pacte, declared once.

Three pieces, read by every service, selector, page and API endpoint:

- **Capabilities** name what a role is trusted with (« instruit les opérations », « gère le
  fonds »…). A role is only ever checked through a capability.
- **Kinds** name the objects Pacte holds and, for those that belong to a partner organisation,
  the path from the object to its partner: a partner user acts only on its own organisation's
  objects. Some kinds keep a partner's unfinished work private (an operation's draft).
- **Rules** say, for each kind and action (read, create, change, delete, export, and each
  workflow transition, which the workflows add themselves), which capabilities allow it.

Enforcement:

- `scope(user, kind, queryset)` is the only partner scoping: every selector starts from it.
- `require(actor, kind, action, obj)` guards every service write: 403 with a French message when
  the role may not act, 404 when the object belongs to another partner (its existence is not
  revealed). `actor=None` is the system (management commands, the demo's seeding).
- `page(get=…, post=…)` declares the rule of each page (views), redirects anonymous visitors to
  the login page and refuses a role that may not see the page at all; `endpoint(…)` declares the
  rule of each API operation. The permission test walks every URL and API operation and fails
  on one that declares nothing. Writes are guarded in the services whatever the view declares.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.template.loader import render_to_string

from .roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import User
    from .workflow import Workflow

# Whoever reads or acts: a user, an anonymous visitor (a request's user before login), or None
# (the system: management commands, the demo's seeding).
Viewer: TypeAlias = "User | AnonymousUser | None"

_QuerySet = TypeVar("_QuerySet", bound=QuerySet[Any])
_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])
_Operation = TypeVar("_Operation", bound=Callable[..., Any])

# --- Capabilities ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Capability:
    name: str
    label: str
    roles: frozenset[str]
    # A partner's capability: only on objects of the user's own organisation.
    own_only: bool = False
    # Open to visitors who are not logged in.
    anonymous: bool = False
    # Held by a person, not given by a role: a right recorded for them (a right to sign),
    # whatever their role. The application that records such rights says who holds one
    # (`register_holding`); it counts for a user only when no role's capability does.
    held: bool = False

    def __str__(self) -> str:
        return self.label


INTERNAL = frozenset({Role.ADMIN, Role.AGENT, Role.ASSEMBLY, Role.FINANCE, Role.ELECTED})

PUBLIC = Capability("public", "tout le monde, sans connexion", frozenset(Role), anonymous=True)
SIGNED_IN = Capability("signed_in", "toute personne connectée", frozenset(Role))
READ_ALL = Capability("read_all", "lit tout ce que détient le Département", INTERNAL)
OWN_ORGANISATION = Capability(
    "own_organisation",
    "agit pour sa propre organisation, et pour elle seule",
    frozenset({Role.PARTNER}),
    own_only=True,
)
INSTRUCT = Capability(
    "instruct",
    "instruit les contrats, les opérations et les documents",
    frozenset({Role.ADMIN, Role.AGENT}),
)
MANAGE_FUND = Capability(
    "manage_fund",
    "gère le fonds : autorisation de programme, crédits, mandats",
    frozenset({Role.ADMIN, Role.FINANCE}),
)
RUN_SITTINGS = Capability(
    "run_sittings",
    "tient les séances et les actes de l'assemblée",
    frozenset({Role.ADMIN, Role.ASSEMBLY}),
)
COUNCILLOR = Capability(
    "councillor",
    "conseiller départemental, pour lui-même : ses séances, ses convocations, ses pouvoirs "
    "(un élu rattaché à son mandat)",
    frozenset({Role.ELECTED}),
)
ADMINISTER = Capability(
    "administer", "administre Pacte : comptes, référentiel, réglages", frozenset({Role.ADMIN})
)
NOTIFIED = Capability(
    "notified",
    "reçoit les notifications de ce qui le concerne (liste, courriels ou résumé quotidien)",
    frozenset({Role.ADMIN, Role.AGENT, Role.ASSEMBLY, Role.FINANCE, Role.PARTNER}),
)
SIGNATORY = Capability(
    "signatory",
    "détient un droit de signer en cours (le Président, un délégataire par arrêté, le "
    "représentant légal d'un partenaire), quel que soit son rôle",
    frozenset(Role),
    held=True,
)

# Those who administer Pacte or move its money log in with a second factor (TOTP) after their
# password (pacte.accounts).
SECOND_FACTOR_REQUIRED = (ADMINISTER, MANAGE_FUND)

CAPABILITIES = (
    PUBLIC,
    SIGNED_IN,
    READ_ALL,
    OWN_ORGANISATION,
    INSTRUCT,
    MANAGE_FUND,
    RUN_SITTINGS,
    COUNCILLOR,
    ADMINISTER,
    NOTIFIED,
    SIGNATORY,
)

# --- Kinds -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    # Path from the object to its partner organisation ("" for a partner itself); None when the
    # kind belongs to no partner.
    partner_path: str | None = None
    # Path to the operation whose draft keeps this object private ("" for the operation itself):
    # a draft is seen only by its partner and its author until it is submitted.
    draft_path: str | None = None
    # Path to the user who owns the object (a token): only that user sees or touches it.
    user_path: str | None = None

    def private_q(self, user: Viewer) -> Q:
        prefix = f"{self.draft_path}__" if self.draft_path else ""
        never_submitted = Q(**{f"{prefix}state": "draft"}) | Q(
            **{f"{prefix}state": "withdrawn", f"{prefix}submitted_at__isnull": True}
        )
        if _active(user):
            return never_submitted & ~Q(**{f"{prefix}created_by": user.pk})
        return never_submitted

    def is_private(self, obj: Model, user: Viewer) -> bool:
        if self.draft_path is None:
            return False
        draft = _walk(obj, self.draft_path)
        if draft is None or not hasattr(draft, "submitted_at"):
            return False
        never_submitted: bool = draft.state == "draft" or (
            draft.state == "withdrawn" and draft.submitted_at is None
        )
        return never_submitted and not (_active(user) and draft.created_by_id == user.pk)


KINDS = {
    kind.name: kind
    for kind in [
        Kind("referential", "référentiel territorial"),
        Kind("partner", "partenaire", partner_path=""),
        Kind("generation", "génération de contractualisation"),
        Kind("contract", "contrat", partner_path="partner"),
        Kind("stake", "enjeu prioritaire", partner_path="contract__partner"),
        Kind("forum", "assise territoriale"),
        Kind("committee", "comité de pilotage", partner_path="contract__partner"),
        Kind("engineering", "demande d'ingénierie", partner_path="partner"),
        Kind("operation", "opération", partner_path="contract__partner", draft_path=""),
        Kind("financing", "plan de financement", partner_path="contract__partner", draft_path=""),
        Kind(
            "attachment",
            "pièce jointe",
            partner_path="operation__contract__partner",
            draft_path="operation",
        ),
        Kind(
            "message",
            "échange",
            partner_path="operation__contract__partner",
            draft_path="operation",
        ),
        Kind(
            "annotation",
            "annotation interne",
            partner_path="operation__contract__partner",
            draft_path="operation",
        ),
        Kind(
            "opinion",
            "demande d'avis",
            partner_path="operation__contract__partner",
            draft_path="operation",
        ),
        Kind("reciprocal_commitment", "engagement réciproque", partner_path="contract__partner"),
        Kind("document", "document", partner_path="operation__contract__partner"),
        Kind("batch", "lot de documents"),
        Kind("authorisation", "autorisation de programme et crédits de paiement"),
        Kind("commitment", "engagement comptable", partner_path="operation__contract__partner"),
        Kind(
            "payment",
            "demande de paiement",
            partner_path="commitment__operation__contract__partner",
        ),
        Kind("sitting", "séance de l'assemblée"),
        Kind("report", "rapport à l'assemblée"),
        Kind("deliberation", "délibération"),
        Kind("history_import", "import de l'historique"),
        Kind("bilan", "bilan de génération"),
        Kind("dashboard", "tableau de bord"),
        Kind("opendata", "données ouvertes"),
        Kind("legal", "pages légales"),
        Kind("account", "compte et jetons d'API", user_path="user"),
        Kind("notification", "notification", user_path="recipient"),
        Kind("session", "connexion"),
        Kind("health", "état de service"),
        Kind("user", "utilisateur"),
        Kind("audit", "historique des réglages"),
    ]
}

# --- Rules -------------------------------------------------------------------------------

ACTION_LABELS = {
    "read": "consulter",
    "create": "créer",
    "change": "modifier",
    "delete": "supprimer",
    "export": "exporter",
    "generate": "générer",
    "sign": "signer",
    "publish": "publier",
    "vote": "voter",
}


@dataclass(frozen=True)
class Rule:
    kind: str
    action: str
    capabilities: tuple[Capability, ...]
    label: str = ""
    note: str = ""

    @property
    def roles(self) -> frozenset[str]:
        return frozenset().union(*(c.roles for c in self.capabilities))

    @property
    def description(self) -> str:
        return (
            self.label
            or f"{ACTION_LABELS.get(self.action, self.action)} ({KINDS[self.kind].label})"
        )


# (action, capability or capabilities[, label[, note]])
_Entry: TypeAlias = tuple[Any, ...]


def _rules(kind: str, *entries: _Entry) -> list[Rule]:
    rules = []
    for entry in entries:
        action, capabilities, *rest = entry
        if isinstance(capabilities, Capability):
            capabilities = (capabilities,)
        rules.append(Rule(kind, action, tuple(capabilities), *rest))
    return rules


R = (READ_ALL, OWN_ORGANISATION)  # readers of a partner's records: the Département and itself
# The Département's services (instruction, finances, assemblies, administration): not the
# elected members, who read, nor the partners.
SERVICES = (INSTRUCT, MANAGE_FUND, RUN_SITTINGS)

POLICY: dict[tuple[str, str], Rule] = {
    (rule.kind, rule.action): rule
    for rule in [
        *_rules(
            "referential",
            (
                "read",
                READ_ALL,
                "consulter le référentiel territorial, réservé aux services du Département",
            ),
            ("export", READ_ALL),
        ),
        *_rules(
            "partner",
            ("read", R),
            ("export", R),
            ("change", INSTRUCT),
            # The administration, and the history import (an agent's) for a past signatory.
            ("create", INSTRUCT, "créer un partenaire"),
            ("invite", INSTRUCT, "inviter les utilisateurs d'un partenaire"),
        ),
        *_rules("generation", ("read", (READ_ALL, OWN_ORGANISATION))),
        *_rules(
            "contract",
            ("read", R),
            ("export", R),
            ("create", INSTRUCT),
            ("change", INSTRUCT, "rédiger le contrat ou un avenant"),
        ),
        *_rules("stake", ("read", R), ("create", INSTRUCT), ("change", INSTRUCT)),
        *_rules(
            "forum",
            ("read", READ_ALL),
            ("export", READ_ALL),
            ("create", INSTRUCT),
            ("change", INSTRUCT),
        ),
        *_rules(
            "committee",
            ("read", R),
            ("export", R),
            ("create", INSTRUCT),
            ("change", INSTRUCT, "tenir le comité et ses actions de suivi"),
        ),
        *_rules(
            "engineering",
            ("read", R),
            ("export", R),
            ("create", (INSTRUCT, OWN_ORGANISATION), "demander un accompagnement en ingénierie"),
            # The request's page: each step is then its workflow transition's own rule.
            ("change", INSTRUCT, "suivre une demande d'ingénierie"),
        ),
        *_rules(
            "operation",
            ("read", R, "", "un brouillon n'est vu que de son partenaire jusqu'à son dépôt"),
            ("export", R),
            ("create", OWN_ORGANISATION, "déposer une opération"),
            (
                "change",
                (OWN_ORGANISATION, INSTRUCT),
                "",
                "le partenaire tant qu'il a la main ; l'agent pour la fiche détaillée",
            ),
            ("assign", INSTRUCT, "attribuer une opération à un agent"),
            (
                "follow",
                (INSTRUCT, MANAGE_FUND, RUN_SITTINGS),
                "suivre un dossier (en recevoir les notifications du Département)",
            ),
            ("sheet", INSTRUCT, "rédiger la fiche détaillée d'une opération"),
        ),
        *_rules("financing", ("read", R), ("change", (OWN_ORGANISATION, INSTRUCT))),
        *_rules("attachment", ("read", R), ("create", (OWN_ORGANISATION, INSTRUCT))),
        *_rules("message", ("read", R), ("create", (OWN_ORGANISATION, INSTRUCT))),
        # The instruction tools of the Département's services, never the partner's nor the
        # elected members': private annotations, opinions asked of another service.
        *_rules(
            "annotation",
            ("read", SERVICES, "lire les annotations internes d'une opération"),
            ("create", SERVICES, "annoter une opération"),
            # Its author only (the condition pacte.operations.services registers).
            ("change", SERVICES, "modifier ou supprimer une annotation"),
        ),
        *_rules(
            "opinion",
            ("read", SERVICES, "consulter les avis demandés sur une opération"),
            ("create", INSTRUCT, "demander un avis à un service ou à une Maison du Département"),
        ),
        *_rules(
            "reciprocal_commitment",
            ("read", R),
            ("export", R),
            ("create", INSTRUCT, "inscrire un engagement réciproque"),
        ),
        *_rules(
            "document",
            ("read", R),
            ("generate", INSTRUCT, "générer une fiche ou une convention"),
            ("prepare_signature", INSTRUCT, "ouvrir le circuit de signature"),
            # A signatory signs whatever his role (the Président from an elected member's
            # account); whose turn it is and by what right, documents.services says.
            ("sign", (INSTRUCT, OWN_ORGANISATION, SIGNATORY), "signer une convention"),
        ),
        *_rules(
            "batch",
            ("read", READ_ALL),
            ("create", INSTRUCT, "générer des documents en lot"),
            ("relaunch", INSTRUCT, "relancer un lot interrompu"),
        ),
        *_rules(
            "authorisation",
            ("read", READ_ALL),
            ("export", READ_ALL),
            ("create", MANAGE_FUND, "voter une autorisation de programme"),
            ("change", MANAGE_FUND, "réviser l'AP ou voter des crédits de paiement"),
            ("lapse", MANAGE_FUND, "constater une caducité"),
        ),
        *_rules(
            "commitment",
            ("read", R),
            ("export", R),
            ("create", RUN_SITTINGS, "engager une subvention votée"),
            ("extend", (MANAGE_FUND, INSTRUCT), "proroger un délai"),
        ),
        *_rules(
            "payment",
            ("read", R),
            ("export", R),
            ("create", (OWN_ORGANISATION, INSTRUCT), "demander un paiement"),
        ),
        *_rules(
            "sitting",
            ("read", READ_ALL),
            ("export", READ_ALL),
            ("create", RUN_SITTINGS),
            ("change", RUN_SITTINGS, "tenir la séance : heures, présences, pouvoirs"),
            ("convoke", RUN_SITTINGS, "convoquer les élus à la séance"),
            (
                "attend",
                COUNCILLOR,
                "accéder à son espace d'élu (ses séances, ses convocations, son pouvoir donné en "
                "ligne)",
                "seul l'élu rattaché à son mandat, pour lui-même",
            ),
            (
                "acknowledge",
                PUBLIC,
                "accuser réception d'une convocation par le lien reçu",
                "le lien porte un secret propre à chaque convocation",
            ),
            (
                "minutes",
                PUBLIC,
                "lire les procès-verbaux publiés",
                "publié : par tous, à partir de sa date de publication",
            ),
            (
                "calendar",
                PUBLIC,
                "lire le calendrier (iCalendar) des séances d'un élu",
                "l'adresse porte une clé signée propre à l'élu",
            ),
        ),
        *_rules(
            "report",
            ("read", READ_ALL),
            ("create", (RUN_SITTINGS, INSTRUCT), "rédiger un rapport"),
            ("change", (RUN_SITTINGS, INSTRUCT), "modifier un rapport"),
            ("proceed", RUN_SITTINGS, "envoyer, recueillir les avis, ouvrir et voter"),
        ),
        *_rules(
            "deliberation",
            ("read", (PUBLIC,), "", "publiée : par tous, à partir de sa date de publication"),
            ("manage", READ_ALL, "consulter une délibération avant publication"),
        ),
        *_rules(
            "history_import",
            ("read", INSTRUCT),
            ("create", INSTRUCT, "importer l'historique"),
            ("relaunch", INSTRUCT, "relancer un import interrompu"),
        ),
        *_rules("bilan", ("read", READ_ALL), ("export", READ_ALL)),
        *_rules(
            "dashboard",
            ("read", READ_ALL, "consulter les tableaux de bord et l'équilibre territorial"),
            ("elus", READ_ALL, "consulter le tableau de bord des élus"),
            ("direction", ADMINISTER, "consulter le tableau de bord de la direction"),
            ("instruction", INSTRUCT, "consulter le tableau de bord de l'instruction"),
            ("finances", MANAGE_FUND, "consulter le tableau de bord des finances"),
        ),
        *_rules(
            "opendata",
            ("read", PUBLIC),
            ("review", READ_ALL, "voir les conventions retenues hors des données ouvertes"),
        ),
        *_rules(
            "legal",
            (
                "read",
                PUBLIC,
                "lire l'accessibilité, les mentions légales, les données personnelles "
                "et les couleurs du Département",
            ),
        ),
        *_rules(
            "account",
            ("read", SIGNED_IN, "son compte"),
            ("change", SIGNED_IN, "créer ou révoquer ses jetons d'API"),
            ("password", SIGNED_IN, "changer son mot de passe et ses codes de secours"),
        ),
        *_rules(
            "session",
            ("login", PUBLIC, "se connecter"),
            ("logout", PUBLIC, "se déconnecter"),
            ("reset", PUBLIC, "demander un nouveau mot de passe par courriel"),
            ("invitation", PUBLIC, "accepter une invitation et choisir son mot de passe"),
        ),
        *_rules(
            "notification",
            ("read", NOTIFIED, "lire ses notifications"),
            (
                "change",
                NOTIFIED,
                "marquer ses notifications comme lues et choisir leur envoi par courriel",
            ),
        ),
        *_rules("health", ("read", PUBLIC, "consulter l'état de service (supervision)")),
        *_rules("user", ("read", ADMINISTER), ("change", ADMINISTER, "gérer les comptes")),
        # What the administration changed, with the old and new values (core.settings_history).
        *_rules("audit", ("read", ADMINISTER, "consulter l'historique des réglages")),
    ]
}

_WORKFLOWS: dict[str, list[Workflow]] = {}


def register_workflow(workflow: Workflow) -> None:
    """Each workflow's transitions are rules of its kind, named as the transition."""
    _WORKFLOWS.setdefault(workflow.kind, []).append(workflow)
    for transition in workflow.transitions.values():
        label = transition.label[:1].lower() + transition.label[1:]
        POLICY[(workflow.kind, transition.name)] = Rule(
            workflow.kind, transition.name, transition.capabilities, label
        )


def workflow_for(kind: str) -> Workflow | None:
    """The workflow of a kind that has one; a kind with several (a deliberation's publication
    and transmission) has none here."""
    (workflow,) = _WORKFLOWS.get(kind, [None])
    return workflow


def rule(kind: str, action: str) -> Rule:
    try:
        return POLICY[(kind, action)]
    except KeyError as exc:
        raise LookupError(f"No rule for {kind}.{action}") from exc


# Methods that read: no transaction is opened for them.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# --- Decisions ----------------------------------------------------------------------------


def _active(user: Viewer) -> TypeGuard[User]:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _walk(obj: Model, path: str) -> Any:
    """Follow `path` ("contract__partner") from `obj`. The object may also be one of the path's
    parents (an operation for an attachment's path "operation__contract__partner", the parent
    of an object about to be created): the path is then followed from that point. Any: the
    object at the end of a path named by a string."""
    names = path.split("__") if path else []
    while names and not _has_forward_field(obj, names[0]):
        names = names[1:]
    current: Any = obj
    for name in names:
        current = getattr(current, name)
        if current is None:
            return None
    return current


def _has_forward_field(obj: object, name: str) -> bool:
    if not isinstance(obj, Model):
        return False
    try:
        return bool(obj._meta.get_field(name).concrete)
    except Exception:  # FieldDoesNotExist
        return False


def owner_partner_id(kind: str, obj: Model) -> int | None:
    """The partner organisation `obj` belongs to (`obj` may be the parent of a new object)."""
    path = KINDS[kind].partner_path
    if path is None:
        return None
    *through, last = path.split("__") if path else [""]
    partner_id: int | None
    if not last:
        partner_id = obj.pk
        return partner_id
    holder = _walk(obj, "__".join(through)) if through else obj
    if holder is None:
        return None
    if _has_forward_field(holder, last):
        partner_id = getattr(holder, f"{last}_id")
        return partner_id
    # `obj` is the partner itself (a partner for an engineering request's "partner").
    partner_id = holder.pk if holder._meta.model_name == "partner" else None
    return partner_id


def _owner_user_id(spec: Kind, obj: Model) -> int | None:
    *through, last = (spec.user_path or "").split("__")
    holder = _walk(obj, "__".join(through)) if through else obj
    user_id: int | None = getattr(holder, f"{last}_id", None)
    return user_id


def is_own(user: Viewer, kind: str, obj: Model) -> bool:
    partner_id: int | None = getattr(user, "partner_id", None)
    return partner_id is not None and owner_partner_id(kind, obj) == partner_id


# Who holds a capability held by a person (`Capability.held`), by its name: a predicate of
# the user and of the object acted on (None: any), registered by the application that records
# such rights.
_HOLDINGS: dict[str, Callable[[User, Model | None], bool]] = {}


def register_holding(capability: Capability, holds: Callable[[User, Model | None], bool]) -> None:
    if not capability.held:
        raise ValueError(f"{capability.name} is a role's capability, not one held by a person")
    _HOLDINGS[capability.name] = holds


def _matching(user: Viewer, rule_: Rule, obj: Model | None = None) -> list[Capability]:
    if not _active(user):
        return [c for c in rule_.capabilities if c.anonymous]
    by_role = [c for c in rule_.capabilities if user.role in c.roles and not c.held]
    if by_role:
        return by_role
    return [
        c
        for c in rule_.capabilities
        if c.held and user.role in c.roles and _HOLDINGS.get(c.name, _holds_nothing)(user, obj)
    ]


def _holds_nothing(user: User, obj: Model | None) -> bool:
    return False


@dataclass(frozen=True)
class Condition:
    """A condition on the object acted on, beyond the role (« son auteur seulement »): `refuses`
    says why the user may not act on it ("" when he may); `note` sums it up in the policy's
    table."""

    refuses: Callable[[User, Model], str]
    note: str


# Registered by the application that knows the object (its AppConfig.ready).
_CONDITIONS: dict[tuple[str, str], Condition] = {}


def register_condition(
    kind: str, action: str, refuses: Callable[[User, Model], str], *, note: str
) -> None:
    rule(kind, action)  # a rule the policy declares
    _CONDITIONS[(kind, action)] = Condition(refuses, note)


def _condition_refusal(user: Viewer, kind: str, action: str, obj: Model | None) -> str:
    condition = _CONDITIONS.get((kind, action))
    if condition is None or obj is None or not _active(user):
        return ""
    return condition.refuses(user, obj)


def decide(user: Viewer, kind: str, action: str, obj: Model | None = None) -> str:
    """ "allow", "deny" (403: the role may not, or the object's condition refuses) or "hide"
    (404: not theirs to know of)."""
    verdict = _role_verdict(user, kind, action, obj)
    if verdict == "allow" and _condition_refusal(user, kind, action, obj):
        return "deny"
    return verdict


def _role_verdict(user: Viewer, kind: str, action: str, obj: Model | None) -> str:
    rule_ = rule(kind, action)
    matching = _matching(user, rule_, obj)
    if not matching:
        return "deny"
    if obj is None:
        return "allow"
    spec = KINDS[kind]
    if spec.user_path is not None and _owner_user_id(spec, obj) != getattr(user, "pk", None):
        return "hide"
    own = is_own(user, kind, obj) if spec.partner_path is not None else False
    for capability in matching:
        if capability.own_only and spec.partner_path is not None:
            if own:
                return "allow"
            continue
        if not own and spec.is_private(obj, user):
            continue
        return "allow"
    return "hide"


def requires_second_factor(user: Viewer) -> bool:
    """Whether `user` logs in with a second factor after the password."""
    return _active(user) and any(user.role in c.roles for c in SECOND_FACTOR_REQUIRED)


def refusal(rule_: Rule) -> str:
    """« Votre rôle ne permet pas de modifier… », « … d'envoyer… » (elision before a vowel)."""
    text = rule_.description
    de = "d'" if text[:1].lower() in "aeéèêiîoôuhy" else "de "
    return f"Votre rôle ne permet pas {de}{text}."


def allows(user: Viewer, kind: str, action: str, obj: Model | None = None) -> bool:
    return decide(user, kind, action, obj) == "allow"


def require(actor: Viewer, kind: str, action: str, obj: Model | None = None) -> None:
    """Refuse (403, or 404 for someone else's object) unless `actor` may do `action`."""
    if actor is None:  # the system: management commands, seeding
        return
    verdict = _role_verdict(actor, kind, action, obj)
    if verdict == "allow":
        reason = _condition_refusal(actor, kind, action, obj)
        if reason:
            raise PermissionDenied(reason)
        return
    rule_ = rule(kind, action)
    if verdict == "hide":
        raise Http404(f"{KINDS[kind].label.capitalize()} introuvable.")
    if not _active(actor):
        raise PermissionDenied("Connectez-vous pour continuer.")
    raise PermissionDenied(refusal(rule_))


def scope(user: Viewer, kind: str, queryset: _QuerySet, action: str = "read") -> _QuerySet:
    """The objects of `queryset` that `user` may read: every selector starts here."""
    rule_ = rule(kind, action)
    matching = _matching(user, rule_)
    if not matching:
        if not _active(user):
            raise PermissionDenied("Connectez-vous pour continuer.")
        raise PermissionDenied(refusal(rule_))
    spec = KINDS[kind]
    if spec.user_path is not None:
        queryset = queryset.filter(**{f"{spec.user_path}_id": getattr(user, "pk", None)})
    if spec.partner_path is None or any(not c.own_only for c in matching):
        if spec.draft_path is None:
            return queryset
        return queryset.exclude(spec.private_q(user))
    # Only partner users reach here (every own-only capability is a partner's).
    return queryset.filter(**{_partner_field(spec): getattr(user, "partner_id", None)})


def _partner_field(spec: Kind) -> str:
    return f"{spec.partner_path}_id" if spec.partner_path else "pk"


def roles_for(kind: str, action: str) -> frozenset[str]:
    return rule(kind, action).roles


# --- Declarations on pages and API operations ---------------------------------------------

FROM_URL = "<name>"  # the action is the transition named in the URL's `name`
# More generally, an action written "<kwarg>" is the value of that URL keyword argument
# (`"dashboard.<kind>"`: the dashboard named in the URL).


@dataclass(frozen=True)
class Declared:
    """The rule of a page or API operation for one HTTP method."""

    kind: str
    action: str  # an action, or FROM_URL
    choices: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def parse(cls, spec: str) -> Declared:
        kind, _, action = spec.partition(".")
        if kind not in KINDS:
            raise LookupError(f"Unknown kind {kind!r}")
        return cls(kind, action)

    def resolve(self, kwargs: Mapping[str, object]) -> str:
        if self.action.startswith("<") and self.action.endswith(">"):
            return str(kwargs.get(self.action[1:-1], ""))
        return self.action


@dataclass
class PagePolicy:
    methods: dict[str, Declared] = field(default_factory=dict)
    # The values a URL keyword may take (the transitions a page serves): others answer 404.
    choices: dict[str, frozenset[str]] = field(default_factory=dict)


def _not_allowed(request: HttpRequest, methods: list[str]) -> HttpResponseBase:
    """405 in French: an address that only takes a form (« Marquer comme lue ») opened as a
    link says where the action is done, rather than a blank page."""
    response = HttpResponseNotAllowed(methods)
    response.content = render_to_string("405.html", request=request).encode()
    response["Content-Type"] = "text/html; charset=utf-8"
    return response


def page(
    *,
    get: str | None = None,
    post: str | None = None,
    choices: Mapping[str, Iterable[str]] | None = None,
    atomic: bool = True,
) -> Callable[[_View], _View]:
    """Declare a page's rules (`"operation.read"`), then guard it: other methods answer 405,
    anonymous visitors go to the login page, a role that may not do the declared action at all
    gets 403. Whether this user may act on this object is the selectors' and services' work.
    `choices` ({"name": [...]}) lists the values a URL keyword may take; others answer 404.
    A write runs in one transaction, unless `atomic=False` for a view that opens its own
    short ones (the login: a password is checked before any lock is taken)."""
    allowed = {key: frozenset(values) for key, values in (choices or {}).items()}
    declared: dict[str, Declared] = {}
    if get:
        declared["GET"] = declared["HEAD"] = Declared.parse(get)
    if post:
        declared["POST"] = Declared.parse(post)

    def decorator(view: _View) -> _View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            spec = declared.get(request.method or "")
            if spec is None:
                return _not_allowed(request, sorted(set(declared) - {"HEAD"}))
            if any(str(kwargs.get(key)) not in values for key, values in allowed.items()):
                raise Http404("Action inconnue.")
            action = spec.resolve(kwargs)
            if (spec.kind, action) not in POLICY:
                raise Http404("Action inconnue.")
            if decide(request.user, spec.kind, action) == "deny":
                if not _active(request.user):
                    from django.contrib.auth.views import redirect_to_login

                    return redirect_to_login(request.get_full_path())
                raise PermissionDenied(refusal(rule(spec.kind, action)))
            if request.method in READ_METHODS or not atomic:
                return view(request, *args, **kwargs)
            # A write is one transaction, whatever the view calls; a read takes no lock (on
            # SQLite, a transaction would take the database's write lock at its start).
            with transaction.atomic():
                return view(request, *args, **kwargs)

        # Read by the permission test's walk of every URL.
        wrapper.policy = PagePolicy(declared, allowed)  # type: ignore[attr-defined]
        return cast(_View, wrapper)  # the view's own signature, guarded

    return decorator


def endpoint(
    spec: str, *, choices: Mapping[str, Iterable[str]] | None = None
) -> Callable[[_Operation], _Operation]:
    """Declare an API operation's rule; the services and selectors it calls enforce it.
    `choices` as for `page` (documentation for the walk: the endpoint answers 404 itself)."""
    declared = Declared.parse(spec)
    declared = Declared(
        declared.kind,
        declared.action,
        {key: frozenset(values) for key, values in (choices or {}).items()},
    )

    def decorator(func: _Operation) -> _Operation:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method in READ_METHODS:
                return func(request, *args, **kwargs)
            with transaction.atomic():  # a write is one transaction (see `page`)
                return func(request, *args, **kwargs)

        # Read by the permission test's walk of every API operation.
        wrapper.policy = declared  # type: ignore[attr-defined]
        return cast(_Operation, wrapper)

    return decorator


# --- The policy as a table ----------------------------------------------------------------


def table() -> list[dict[str, Any]]:
    """Every rule with the roles it allows, for the documentation and the tests."""
    rows = []
    kinds = list(KINDS)
    first = ["read", "export", "create", "change"]

    def order(item: tuple[tuple[str, str], Rule]) -> tuple[int, int]:
        (kind, action), _ = item
        return (kinds.index(kind), first.index(action) if action in first else len(first))

    for (kind, action), rule_ in sorted(POLICY.items(), key=order):
        rows.append(
            {
                "kind": kind,
                "kind_label": KINDS[kind].label,
                "action": action,
                "description": rule_.description,
                "capabilities": [c.name for c in rule_.capabilities],
                "roles": {
                    role: _role_cell(role, rule_.capabilities, KINDS[kind]) for role in Role.values
                },
                "note": rule_.note
                or (_CONDITIONS[(kind, action)].note if (kind, action) in _CONDITIONS else ""),
            }
        )
    return rows


def _role_cell(role: str, capabilities: Iterable[Capability], kind: Kind) -> str:
    capabilities = list(capabilities)
    matching = [c for c in capabilities if role in c.roles and not c.held]
    if not matching:
        held = [c for c in capabilities if role in c.roles and c.held]
        return f"si `{held[0].name}`" if held else ""
    if all(c.own_only for c in matching) and kind.partner_path is not None:
        return "les siens"
    return "oui"


ROLE_COLUMNS = [
    (Role.ADMIN, "Admin."),
    (Role.AGENT, "Agent"),
    (Role.ASSEMBLY, "Assemblées"),
    (Role.FINANCE, "Finances"),
    (Role.ELECTED, "Élu"),
    (Role.PARTNER, "Partenaire"),
]


def markdown() -> str:
    """The capabilities and the rules as Markdown tables (docs/architecture.md carries them)."""
    _load_workflows()
    lines = [
        "| Capacité | Ce qu'elle permet | Rôles |",
        "|---|---|---|",
    ]
    for capability in CAPABILITIES:
        roles = ", ".join(label for role, label in ROLE_COLUMNS if role in capability.roles)
        if capability.anonymous:
            roles = "tous, et les visiteurs sans connexion"
        lines.append(f"| `{capability.name}` | {capability.label} | {roles} |")
    lines += [
        "",
        "| Objet | Action | " + " | ".join(label for _, label in ROLE_COLUMNS) + " | Public |",
        "|---|---|" + "---|" * (len(ROLE_COLUMNS) + 1),
    ]
    for row in table():
        cells = [row["roles"][role] for role, _ in ROLE_COLUMNS]
        public = "oui" if "public" in row["capabilities"] else ""
        description = row["description"]
        if row["note"]:
            description += f" ({row['note']})"
        lines.append(
            f"| {row['kind_label']} | `{row['action']}` {description} | "
            + " | ".join(cells)
            + f" | {public} |"
        )
    return "\n".join(lines) + "\n"


def _load_workflows() -> None:
    """Workflows register their transitions when their module is imported."""
    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("pacte."):
            with contextlib.suppress(ModuleNotFoundError):
                __import__(f"{config.name}.workflows")
