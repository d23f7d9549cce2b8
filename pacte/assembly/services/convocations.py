"""Convocations to a sitting and the proxies councillors give online. Each write is one
transaction and leaves an audit row.

A convocation goes to each councillor on the sitting's roll: by e-mail at the address he asked
for (his councillor record's, else his élu account's), through the outbox (`pacte.core.mail`),
or else by post. Its link carries a secret of its own: opening it records that the councillor
received it. Sending again reaches only those not yet convoked and those whose mail was not
delivered; the notice runs from the real sending (`selectors.convocation_summary`)."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from pacte.accounts.models import digest
from pacte.core import mail, policy
from pacte.core.audit import audit
from pacte.core.french import format_date
from pacte.core.models import User

from .. import rules
from ..models import Attendance, Convocation, OnlineProxy, Proxy, Report, Sitting


def _address(attendance: Attendance) -> str:
    councillor = attendance.councillor
    if councillor is None:
        return ""
    if councillor.email:
        return councillor.email
    user = getattr(councillor, "user", None)
    if user is not None and user.is_active and user.email:
        return str(user.email)
    return ""


def _check_ahead(sitting: Sitting, what: str) -> None:
    today = timezone.localdate()
    if sitting.held_on < today or sitting.closed_at is not None:
        raise ValidationError(
            f"La séance du {format_date(sitting.held_on)} est passée ou close : {what}."
        )


@transaction.atomic
def convocations_send(*, actor: User | None, sitting: Sitting) -> dict[str, int]:
    """Convoke every councillor of the roll not yet convoked, whose mail was not delivered, or
    whose convocation lacks reports added to the agenda since (a complement: the whole agenda
    again, the reports he already had keeping the date they reached him): by e-mail (with the
    agenda, the links to the reports and his acknowledgement link) or by post (recorded as
    posted today). Returns the counts by channel."""
    policy.require(actor, "sitting", "convoke", sitting)
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    _check_ahead(sitting, "ses convocations ne partent plus")
    reports = list(sitting.reports.order_by("number"))
    if not reports:
        raise ValidationError(
            "Inscrivez d'abord les rapports à l'ordre du jour : la convocation les porte, avec "
            "l'ordre du jour (CGCT L3121-19)."
        )
    agenda = [r.pk for r in reports]
    existing = {
        c.councillor_id: c
        for c in sitting.convocations.select_related("mail").select_for_update(of=("self",))
    }
    roll = sitting.attendances.filter(councillor__isnull=False).select_related("councillor__user")
    counts = {"email": 0, "post": 0, "complement": 0}
    for attendance in roll:
        convocation = existing.get(attendance.councillor_id or 0)
        complement = convocation is not None and bool(set(agenda) - set(convocation.agenda))
        if convocation is not None and not complement and not _undelivered(convocation):
            continue
        if convocation is None:
            convocation = Convocation(sitting=sitting, councillor=attendance.councillor)
        elif complement:
            _keep_delivered(convocation)
            convocation.acknowledged_at = None  # the complement is to be received in its turn
            counts["complement"] += 1
        convocation.agenda = agenda
        convocation.sent_by = actor
        _send(convocation, attendance, sitting, reports, counts, complement=complement)
    if not counts["email"] and not counts["post"]:
        raise ValidationError(
            "Chaque membre est déjà convoqué avec tout l'ordre du jour, et chaque courriel "
            "remis : rien à envoyer."
        )
    audit(
        actor=actor,
        action="assembly.convocations",
        obj=sitting,
        summary=f"Convocations : {counts['email']} par courriel, {counts['post']} par courrier, "
        f"dont {counts['complement']} complément(s) d'ordre du jour ({len(reports)} "
        f"rapport{'s' if len(reports) > 1 else ''} à l'ordre du jour)",
    )
    return counts


def _keep_delivered(convocation: Convocation) -> None:
    """Before a complement: the reports this convocation delivered keep their date."""
    sent_on = convocation.sent_on
    if sent_on is None:
        return
    for report_id in convocation.agenda:
        convocation.delivered.setdefault(str(report_id), sent_on.isoformat())


def _send(
    convocation: Convocation,
    attendance: Attendance,
    sitting: Sitting,
    reports: list[Report],
    counts: dict[str, int],
    *,
    complement: bool,
) -> None:
    address = _address(attendance)
    if not address:
        convocation.channel = Convocation.Channel.POST
        convocation.address = ""
        convocation.digest = ""
        convocation.mail = None
        convocation.posted_on = timezone.localdate()
        convocation.save()
        counts["post"] += 1
        return
    token = secrets.token_urlsafe(24)
    convocation.channel = Convocation.Channel.EMAIL
    convocation.address = address
    convocation.digest = digest(token)
    convocation.posted_on = None
    convocation.save()
    what = "Complément de convocation" if complement else "Convocation"
    convocation.mail = mail.mail_queue(
        kind="convocation",
        recipients=[address],
        subject=mail.subject_line("", f"{what} — {sitting}"),
        template="assembly/mail/convocation.txt",
        context={
            "sitting": sitting,
            "attendance": attendance,
            "complement": complement,
            "new": set(convocation.agenda) - {int(k) for k in convocation.delivered},
            "reports": [
                (r, mail.absolute_url(reverse("assembly:report_detail", args=[r.pk])))
                for r in reports
            ],
            "url": mail.absolute_url(reverse("assembly:convocation_open", args=[token])),
            "space_url": mail.absolute_url(
                reverse("assembly:councillor_sitting", args=[sitting.pk])
            ),
        },
        reference=f"Séance {sitting.held_on:%d/%m/%Y}",
    )
    convocation.save(update_fields=["mail"])
    counts["email"] += 1


def _undelivered(convocation: Convocation) -> bool:
    """Its mail was given up, or it is to go by e-mail now that an address is known."""
    if convocation.channel == Convocation.Channel.POST:
        return False
    return convocation.mail is None or convocation.mail.abandoned_at is not None


@transaction.atomic
def convocation_acknowledge(
    *, actor: User | None, token: str = "", convocation: Convocation | None = None
) -> Convocation:
    """The councillor received his convocation: he opened its link (`token`), or opened it in
    his space (`convocation`, his own). Recorded once, at the first opening."""
    if convocation is None:
        policy.require(actor, "sitting", "acknowledge")
        if not token or len(token) > 100:
            raise ValidationError("Ce lien de convocation n'est pas valable.")
        convocation = (
            Convocation.objects.select_for_update()
            .filter(digest=digest(token))
            .exclude(digest="")
            .first()
        )
        if convocation is None:
            raise ValidationError(
                "Ce lien de convocation n'est pas valable : il a peut-être été remplacé par un "
                "nouvel envoi."
            )
    else:
        policy.require(actor, "sitting", "attend", convocation.sitting)
        convocation = Convocation.objects.select_for_update().get(pk=convocation.pk)
        if actor is None or actor.councillor_id != convocation.councillor_id:
            raise ValidationError("Cette convocation est celle d'un autre élu.")
    if convocation.acknowledged_at is None:
        convocation.acknowledged_at = timezone.now()
        convocation.save(update_fields=["acknowledged_at"])
        audit(
            actor=actor,
            action="assembly.convocation_received",
            obj=convocation.sitting,
            summary=f"{convocation} : reçue",
        )
    return convocation


# --- Proxies given online -------------------------------------------------------------------


def _own_attendance(actor: User | None, sitting: Sitting) -> Attendance:
    councillor_id = getattr(actor, "councillor_id", None)
    attendance = (
        sitting.attendances.select_for_update().filter(councillor_id=councillor_id).first()
        if councillor_id
        else None
    )
    if attendance is None:
        raise ValidationError("Vous ne siégez pas à cette séance.")
    return attendance


@transaction.atomic
def proxy_give_online(*, actor: User | None, sitting: Sitting, holder: Attendance) -> OnlineProxy:
    """A councillor unable to attend gives his proxy to another member of the sitting
    (CGCT L3121-16), who holds no more than the law allows (one; two under the temporary rules
    of 2020-2022) and does not give his own."""
    policy.require(actor, "sitting", "attend", sitting)
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    _check_ahead(sitting, "un pouvoir ne s'y donne plus en ligne")
    now = timezone.localtime()
    if sitting.held_on == now.date() and sitting.opened_at and now.time() >= sitting.opened_at:
        raise ValidationError(
            "La séance est ouverte : un pouvoir s'y donne désormais par écrit, au secrétariat "
            "de séance."
        )
    giver = _own_attendance(actor, sitting)
    found = sitting.attendances.select_for_update().filter(pk=holder.pk).first()
    if found is None:
        raise ValidationError("Ce membre ne siège pas à cette séance.")
    holder = found
    if holder.pk == giver.pk:
        raise ValidationError(
            "Un pouvoir se donne à un autre membre (CGCT L3121-16), pas à soi-même."
        )
    if giver.status == Attendance.Status.PRESENT and not giver.left_at:
        raise ValidationError("Vous êtes inscrit présent à la séance : voyez le secrétariat.")
    if (
        hasattr(giver, "proxy_given")
        or giver.online_proxies_given.filter(withdrawn_at__isnull=True).exists()
    ):
        raise ValidationError(
            "Vous avez déjà donné votre pouvoir pour cette séance : retirez-le d'abord."
        )
    holding = [p.giver for p in Proxy.objects.filter(holder=giver).select_related("giver")] + [
        o.giver
        for o in OnlineProxy.objects.filter(
            holder=giver, withdrawn_at__isnull=True, proxy__isnull=True
        ).select_related("giver")
    ]
    if holding:
        raise ValidationError(
            f"Vous détenez le pouvoir de {holding[0]} pour cette séance : un membre qui détient "
            "un pouvoir assiste à la séance pour l'exercer, il ne donne pas le sien. Que "
            f"{holding[0]} retire d'abord son pouvoir."
        )
    if (
        hasattr(holder, "proxy_given")
        or holder.online_proxies_given.filter(withdrawn_at__isnull=True).exists()
    ):
        raise ValidationError(
            f"{holder} a lui-même donné son pouvoir pour cette séance : il ne peut recevoir "
            "le vôtre."
        )
    if holder.status != Attendance.Status.ABSENT and holder.status != Attendance.Status.PRESENT:
        raise ValidationError(f"{holder} est excusé : il ne peut recevoir de pouvoir.")
    limit = rules.max_proxies_held(sitting.held_on)
    held = (
        Proxy.objects.filter(holder=holder).count()
        + OnlineProxy.objects.filter(
            holder=holder, withdrawn_at__isnull=True, proxy__isnull=True
        ).count()
    )
    if held >= limit:
        raise ValidationError(
            f"{holder} détient déjà {held} pouvoir{'s' if held > 1 else ''} pour cette séance : "
            f"{limit} au plus par membre (CGCT L3121-16)."
        )
    online = OnlineProxy.objects.create(sitting=sitting, giver=giver, holder=holder, given_by=actor)
    audit(
        actor=actor,
        action="assembly.proxy_online",
        obj=sitting,
        summary=f"Pouvoir donné en ligne : {online}",
    )
    return online


@transaction.atomic
def proxy_withdraw_online(*, actor: User | None, online: OnlineProxy) -> None:
    """The giver withdraws his proxy, until the clerk records it."""
    policy.require(actor, "sitting", "attend", online.sitting)
    online = OnlineProxy.objects.select_for_update().select_related("giver").get(pk=online.pk)
    if actor is None or online.giver.councillor_id != actor.councillor_id:
        raise ValidationError("Ce pouvoir est celui d'un autre élu.")
    if online.withdrawn_at is not None:
        return
    if online.proxy_id is not None:
        raise ValidationError(
            "Le secrétariat a enregistré ce pouvoir à l'appel : voyez-le pour le retirer."
        )
    online.withdrawn_at = timezone.now()
    online.save(update_fields=["withdrawn_at"])
    audit(
        actor=actor,
        action="assembly.proxy_online",
        obj=online.sitting,
        summary=f"Pouvoir en ligne retiré : {online}",
    )
