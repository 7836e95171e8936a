"""How modelsteward looks to MLflow: MLflow's four stages, the one each lifecycle stage shows
as, and where a version keeps the MLflow run it came from."""

from __future__ import annotations

from modelsteward.domain.lifecycle import Stage

METADATA_KEY = "mlflow"  # the version metadata key holding source, run_id, run_link


class MlflowStage:
    """MLflow's four stages (strings, as MLflow spells them)."""

    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"
    ALL = (NONE, STAGING, PRODUCTION, ARCHIVED)


def mlflow_stage(stage: Stage) -> str:
    """The MLflow stage of a modelsteward stage: staging and production map to themselves,
    deprecated, retired and rejected to ``Archived``, the stages before staging to ``None``."""
    match stage:
        case Stage.STAGING:
            return MlflowStage.STAGING
        case Stage.PRODUCTION:
            return MlflowStage.PRODUCTION
        case Stage.DEPRECATED | Stage.RETIRED | Stage.REJECTED:
            return MlflowStage.ARCHIVED
        case Stage.TRAINED | Stage.EVALUATED | Stage.REGISTERED:
            return MlflowStage.NONE
