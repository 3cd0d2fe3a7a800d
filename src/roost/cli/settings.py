"""Which services to run, and with what configuration.

``roost serve`` takes either nothing (dev defaults: every service on SQLite in
the data folder, wired into one sign-in system by ``roost.cli.wiring``), a
``roost.yaml`` with a block per service, or, with one service named, a bare
Ory-style file (``roost serve permissions --config keto.yaml``). Environment
variables override file values (roost.core.config).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roost.cli.services import MODULES, NAMES
from roost.cli.wiring import SignInUrls, merged, sign_in_blocks
from roost.core.config import load, read_file, split_roost_file
from roost.core.errors import ConfigError
from roost.runtime.module import ServiceModule


@dataclass(frozen=True)
class Resolved:
    module: ServiceModule[Any, Any]
    values: dict[str, Any]
    warnings: tuple[str, ...]


def _selected(names: Sequence[str], present: Sequence[str]) -> list[str]:
    for name in names:
        if name not in MODULES:
            raise ConfigError(f"unknown service {name!r}: expected one of {', '.join(NAMES)}")
    chosen = list(names) or [n for n in present if n in MODULES] or list(MODULES)
    return chosen


def resolve(
    names: Sequence[str],
    config_path: Path | None,
    data_dir: Path,
    env: Mapping[str, str] | None = None,
) -> list[Resolved]:
    """Resolve the configuration of every service to run; raises ConfigError."""
    env = os.environ if env is None else env
    blocks: dict[str, dict[str, Any]] = {}
    if config_path is not None:
        data = read_file(config_path)
        if data and set(data) <= set(NAMES):
            blocks = {k: v for k, v in split_roost_file(data, NAMES).items() if k in data}
        else:
            if len(names) != 1:
                raise ConfigError(
                    f"{config_path} is a single-service (Ory-style) file: name the service, "
                    "e.g. `roost serve permissions --config keto.yaml`"
                )
            blocks = {names[0]: data}
    out = []
    # without a file, the services are wired into one sign-in system (decision 0030)
    wiring = sign_in_blocks(SignInUrls()) if config_path is None else {}
    for name in _selected(names, list(blocks)):
        module = MODULES[name]
        values = merged(module.defaults(data_dir), wiring.get(name, {}))
        values = {**values, **blocks.get(name, {})}
        loaded = load(values, module.spec, env)
        out.append(Resolved(module, loaded.values, loaded.warnings))
    return out
