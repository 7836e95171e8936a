"""The MLflow Model Registry REST API (``/api/2.0/mlflow``) over modelsteward; see
``docs/mlflow.md``."""
