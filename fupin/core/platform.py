"""The app contract: what a Fupin app brings, declared on its AppConfig.

Every app's config subclasses `FupinApp` and declares, as class attributes, what it adds to
the platform — its permissions with their default role grants, its navigation section(s),
its URL mounts, its API routers and its template context processors. `FupinApp.ready()` registers the permissions, then
calls `register()`, where the app registers the rest of what it brings (audited models, code
lists, supervision rules, tabs, signal receivers). The project's URL configuration, the API
assembly, the navigation and the role table iterate these registrations, so adding an app
touches only the app and `INSTALLED_APPS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import AppConfig, apps
from django.http import HttpRequest
from django.utils.module_loading import import_string

from fupin.core.access import declare_permissions
from fupin.core.outage import fail_soft


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str | None = None
    order: int = 0  # within the section; ties keep the apps' order


@dataclass(frozen=True)
class NavSection:
    title: str
    items: tuple[NavItem, ...]
    order: int = 100  # sections of several apps merge by title; the smallest order wins


class FupinApp(AppConfig):
    """Base class of every Fupin app's config (see the module docstring)."""

    # permission code → the role codes that hold it by default
    permissions: Mapping[str, tuple[str, ...]] = {}
    # labels of the codes that are not members of core.access.Perm
    permission_labels: Mapping[str, str] = {}
    nav: tuple[NavSection, ...] = ()
    # (URL prefix, dotted URL module): mounted in this order, e.g. ("registry/", "fupin.registry.urls")
    urls: tuple[tuple[str, str], ...] = ()
    # (API path prefix, "module.attribute" of a ninja Router)
    api_routers: tuple[tuple[str, str], ...] = ()
    # dotted paths of template context processors, e.g. the inbox bell's unread count
    context_processors: tuple[str, ...] = ()

    def ready(self) -> None:
        if self.permissions:
            declare_permissions(self.label, self.permissions, labels=self.permission_labels)
        self.register()

    def register(self) -> None:
        """Register audited models, code lists, rules, receivers… (overridden by apps)."""


def fupin_apps() -> Iterator[FupinApp]:
    for config in apps.get_app_configs():
        if isinstance(config, FupinApp):
            yield config


def url_mounts() -> list[tuple[str, str]]:
    return [mount for config in fupin_apps() for mount in config.urls]


def api_routers() -> list[tuple[str, Any]]:
    return [
        (prefix, import_string(dotted))
        for config in fupin_apps()
        for prefix, dotted in config.api_routers
    ]


@cache
def navigation() -> tuple[tuple[str, tuple[NavItem, ...]], ...]:
    """The menu: every app's sections merged by title, sections and items in their order.
    The declarations are fixed once the apps are ready, so it is built once per process."""
    merged: dict[str, tuple[int, list[NavItem]]] = {}
    for config in fupin_apps():
        for section in config.nav:
            order, items = merged.get(section.title, (section.order, []))
            merged[section.title] = (min(order, section.order), items + list(section.items))
    ordered = sorted(merged.items(), key=lambda entry: entry[1][0])
    return tuple(
        (title, tuple(sorted(items, key=lambda item: item.order))) for title, (_, items) in ordered
    )


@cache
def _context_processors() -> tuple[Callable[[HttpRequest], Mapping[str, Any]], ...]:
    return tuple(
        fail_soft(import_string(dotted))
        for config in fupin_apps()
        for dotted in config.context_processors
    )


def app_context(request: HttpRequest) -> dict[str, Any]:
    """The one context processor in TEMPLATES that runs every app's declared ones, each
    fail-soft: a database outage leaves out what it adds (e.g. the inbox bell)."""
    context: dict[str, Any] = {}
    for processor in _context_processors():
        context.update(processor(request))
    return context
