from django import template
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from pacte.core import french

register = template.Library()

register.filter("money", french.format_money)
register.filter("integer", french.format_integer)
register.filter("quantity", french.format_quantity)
register.filter("frdate", french.format_date)
register.filter("date_words", french.format_date_words)
register.filter("frtime", french.format_time)
register.filter("frdatetime", french.format_datetime)


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: object) -> str:
    """The current query string with some parameters replaced (for pagination and sorting)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(sorted(params.lists()), doseq=True) if params else "?"


@register.simple_tag(takes_context=True)
def sort_th(
    context: template.Context, label: str, key: str, current: str, css_class: str = ""
) -> SafeString:
    """A sortable column header: a link that toggles the order, with aria-sort for screen readers.

    `key` is the ascending key (e.g. 'nom'); '-nom' is the descending one.
    """
    from django.utils.html import format_html

    if current == key:
        state, target, hint = "ascending", f"-{key}", "trié par ordre croissant"
    elif current == f"-{key}":
        state, target, hint = "descending", key, "trié par ordre décroissant"
    else:
        state, target, hint = "", key, ""
    href = query_with(context, tri=target, page=None)
    return format_html(
        '<th scope="col"{}{}><a href="{}">{}{}</a></th>',
        format_html(' class="{}"', css_class) if css_class else "",
        format_html(' aria-sort="{}"', state) if state else "",
        href,
        label,
        format_html('<span class="visually-hidden"> ({})</span>', hint) if hint else "",
    )


register.filter("decimal2", french.format_decimal)
register.filter("pluriel", french.plural_suffix)
register.filter("feminine_ordinal", lambda number: french.short_ordinal(number, feminine=True))


BADGE_TONES = frozenset({"neutral", "waiting", "progress", "done", "refused"})


@register.simple_tag
def state_badge(obj: object) -> SafeString:
    """The badge of an object's state: its label in words, coloured by what the state means
    (`STATE_TONES` of the object's model: neutral, waiting, progress, done or refused). The same
    badge wherever the state is shown; the colour never says alone what the words do not."""
    from django.utils.html import format_html

    state = str(getattr(obj, "state", ""))
    tones: dict[str, str] = getattr(type(obj), "STATE_TONES", {})
    tone = tones.get(state, "neutral")
    if tone not in BADGE_TONES:
        tone = "neutral"
    label = getattr(obj, "get_state_display", lambda: state)()
    return format_html('<span class="state tone-{}" data-state="{}">{}</span>', tone, state, label)
