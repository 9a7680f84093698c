"""The compose reader: every service as a process, and the backends its server readers see.

Which files form one deployment: the base file (compose.yaml, docker-compose.yml...)
with `*.override.yml` beside it, as `docker compose up` merges them; a variant such as
docker-compose.prod.yml is read as base + variant (how it is deployed with `-f a -f b`)
and contributes the services it changes. The backends carry the service's names
(service, container_name, hostname, network aliases) so the by-name linker can find them,
and the project directory as their deployment unit.
"""

from __future__ import annotations

import os

from nglint.sources import LINE_COMMENT


class ComposeFile:
    kind = "compose"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        from nglint.sources.compose.names import is_compose_name

        return is_compose_name(os.path.basename(path))

    def feeds(self, path: str) -> bool:
        return os.path.basename(path) == ".env"

    def affected_by(self, path: str, loaded: list[str], tree_roots: list[str]) -> list[str]:
        """A changed .env changes every compose file beside it."""
        if not self.feeds(path):
            return []
        directory = os.path.dirname(os.path.abspath(path))
        return [p for p in loaded if self.claims(p) and os.path.dirname(os.path.abspath(p)) == directory]

    def deployment(self, path: str) -> tuple[list[str], str | None] | None:
        """(files merged, the file whose services to report or None for all); None when
        another file of the directory reports these services (an override beside its base)."""
        from nglint.sources.compose.project import BASE_NAMES, is_override

        directory = os.path.dirname(os.path.abspath(path))
        name = os.path.basename(path)
        base = next((os.path.join(directory, b) for b in BASE_NAMES if os.path.isfile(os.path.join(directory, b))), None)
        if base is None or os.path.abspath(path) == base:
            overrides = [os.path.join(directory, n) for n in sorted(os.listdir(directory)) if is_override(n)] if base else []
            return [os.path.abspath(path)] + overrides[:1], None
        if is_override(name):
            return None
        return [base, os.path.abspath(path)], os.path.abspath(path)

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.backends import BackendFile

        result = BackendFile(path)
        try:
            plan = self.deployment(path)
        except OSError:
            plan = ([os.path.abspath(path)], None)
        if plan is None:
            return result
        files, only_from = plan
        for service_process in self.service_processes(files, only_from, tree_roots, max_file_size, result.problems):
            result.processes.append(service_process)
            result.backends.extend(self._backends(service_process, tree_roots, max_file_size))
        return result

    def service_processes(self, files, only_from, tree_roots, max_file_size, problems) -> list:
        from nglint.sources.compose.project import ComposeProject

        project = ComposeProject(files, tree_roots, max_file_size)
        found = []
        for service in project.services(only_from):
            try:
                found.append(project.resolve(service))
            except (TypeError, ValueError, AttributeError, KeyError) as exc:
                where = service.location
                problems.append(_problem(where.path, where.line, f"service {service.name!r} cannot be read: {exc}"))
        seen = set()
        for problem in project.problems:
            if (problem.path, problem.line, problem.message) not in seen:
                seen.add((problem.path, problem.line, problem.message))
                problems.append(problem)
        return found

    def _backends(self, service_process, tree_roots, max_file_size) -> list:
        from nglint.records import replace
        from nglint.sources.process import backends_for

        process = service_process.process
        attributes = {"names": tuple(service_process.names), "published": dict(service_process.published),
                      "network_mode": service_process.network_mode, "service": process.name}
        found = []
        for backend in backends_for(process, tree_roots, max_file_size):
            label = backend.label if process.name in backend.label else f"{backend.label} (compose service {process.name})"
            found.append(replace(backend, label=label, host=process.name, unit=process.unit,
                                 attributes={**backend.attributes, **attributes}))
        return found

    @property
    def defaults(self):
        from nglint.sources.compose.defaults import DEFAULTS

        return DEFAULTS


def _problem(path: str, line: int, message: str):
    from nglint.diagnostics import BACKEND_PARSE_ERROR
    from nglint.problems import Problem

    return Problem(BACKEND_PARSE_ERROR, path, line, message)
