"""Integrity of model artefacts: hashing manifests and comparing them.

:func:`hash_artifact` turns a model folder into a :class:`Manifest` whose root digest is the one
OpenSSF Model Signing signs; :func:`compare_manifest` says which files changed.
"""

from modelsteward.integrity.compare import ManifestDiff, compare_manifest
from modelsteward.integrity.manifest import (
    IGNORED_TOP_LEVEL,
    ArtifactPlan,
    Manifest,
    PlannedFile,
    ProgressCallback,
    hash_artifact,
    hash_plan,
    path_sort_key,
    plan_artifact,
    root_digest,
    usable_cpus,
)

__all__ = [
    "IGNORED_TOP_LEVEL",
    "ArtifactPlan",
    "Manifest",
    "ManifestDiff",
    "PlannedFile",
    "ProgressCallback",
    "compare_manifest",
    "hash_artifact",
    "hash_plan",
    "path_sort_key",
    "plan_artifact",
    "root_digest",
    "usable_cpus",
]
