"""The embedded store: a persistent Oxigraph directory, one named graph per policy."""
from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from policykg.errors import StoreError

ENV_STORE = "POLICYKG_STORE"


def default_store_path() -> Path:
    return Path(os.environ.get(ENV_STORE) or "policykg-store")


def open_store(path: Path | None = None, *, read_only: bool = False) -> ox.Store:
    """Open (or create) the store at ``path``; read-only opens let several readers share it."""
    path = path or default_store_path()
    try:
        if read_only:
            if not path.exists():
                raise StoreError(f"no store at {path}: run `policykg ingest FILES --store {path}` first")
            return ox.Store.read_only(str(path))
        path.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(path))
    except OSError as exc:
        raise StoreError(f"cannot open the store at {path}: {exc}") from exc


def policy_graphs(store: ox.Store) -> list[str]:
    """IRIs of the policy graphs in the store."""
    from policykg.ingest.graph import POLICY_BASE

    return sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value.startswith(POLICY_BASE))
