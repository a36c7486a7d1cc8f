"""The production static files storage: whitenoise's compressed manifest, minus source maps.

Django's manifest storage rewrites every `sourceMappingURL` comment to the hashed name of the
map, and fails collectstatic when the map is missing. The vendored front end ships without
its maps (no one debugs Tabler in a county office), so the comments are left as they are: no
setting of Django or whitenoise turns this off, and the vendored files stay byte-identical
to their releases.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(
    patterns: tuple[tuple[str, tuple[object, ...]], ...],
) -> tuple[tuple[str, tuple[object, ...]], ...]:
    def is_source_map(pattern: object) -> bool:
        regex = pattern[0] if isinstance(pattern, tuple) else pattern
        return "sourceMappingURL" in str(regex)

    return tuple(
        (glob, tuple(p for p in group if not is_source_map(p))) for glob, group in patterns
    )


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
