"""Pages composed across apps without importing upwards.

An app sees only the apps below it (see docs/architecture.md). A page of a lower app still shows
what higher apps know of its object — an operation's page shows its documents (`documents`) and
its money (`finance`); the operations list starts batches of documents. Each higher app
registers, when it loads (its `AppConfig.ready`), what it contributes to a named slot; the page
asks the slot and gets whatever the installed apps provide.

- `provide(slot, name)`: registers a function computing the context entry `name` of `slot`;
  `collect(slot, **kwargs)` calls them all and returns `{name: value}`.
- `action(slot, name, label)`: registers a handler for an action named `name` that a page of
  the slot offers; `actions(slot)` lists them (name, label) and `handler(slot, name)` gives one.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

# A provider or a handler: whatever each slot's callers agree on.
_F = TypeVar("_F", bound=Callable[..., Any])

_providers: dict[str, dict[str, Callable[..., Any]]] = {}
_actions: dict[str, dict[str, "Action"]] = {}


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    run: Callable[..., Any]


def provide(slot: str, name: str) -> Callable[[_F], _F]:
    def register(function: _F) -> _F:
        _providers.setdefault(slot, {})[name] = function
        return function

    return register


def collect(slot: str, **kwargs: Any) -> dict[str, Any]:
    return {name: function(**kwargs) for name, function in _providers.get(slot, {}).items()}


def action(slot: str, name: str, label: str) -> Callable[[_F], _F]:
    def register(function: _F) -> _F:
        _actions.setdefault(slot, {})[name] = Action(name, label, function)
        return function

    return register


def actions(slot: str) -> list[Action]:
    return list(_actions.get(slot, {}).values())


def handler(slot: str, name: str) -> Action | None:
    return _actions.get(slot, {}).get(name)
