"""What the pilotage shows on core's pages: the « À traiter » of the home page and its total in
the menu (pacte.pilotage.todo)."""

from typing import Any

from pacte.core import fragments

from . import todo


@fragments.provide("home", "todo")
def home_todo(*, user: Any) -> list[todo.Item]:
    return todo.items(user)


@fragments.provide("menu", "todo_count")
def menu_todo_count(*, user: Any) -> int:
    return todo.menu_count(user)
