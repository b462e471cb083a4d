"""Jobs: the whole pipeline as one asset job, and the per-shard job that fans out."""

import dagster as dg

from pipelines.partitions import ALL_SHARDS
from pipelines.settings import executor_kind

EXECUTORS = ("multiprocess", "k8s")


def shard_executor() -> dg.ExecutorDefinition:
    """The shard job's executor: multiprocess on one machine; dagster-k8s' k8s_job_executor (a pod per step)
    when NIANBAO_EXECUTOR=k8s, as in the Kubernetes deployment (deploy/k8s)."""
    kind = executor_kind()
    if kind not in EXECUTORS:
        raise ValueError(f"NIANBAO_EXECUTOR={kind!r}: expected one of {', '.join(EXECUTORS)}")
    if kind == "k8s":
        from dagster_k8s import k8s_job_executor  # the `k8s` extra: installed in the deployment image

        return k8s_job_executor
    return dg.multiprocess_executor


annual_reports_job = dg.define_asset_job(
    "annual_reports_job",
    selection=dg.AssetSelection.all(),
    description="Ingest the inbox and take every document through every layer (every shard in one run).",
    tags=ALL_SHARDS,
)

# One shard through the text and extracted layers; its steps in separate processes. Launched once per
# partition (`nianbao fanout`, or a Dagster backfill), shards run side by side: each writes only its own
# lake directory, and nothing here touches DuckDB.
shard_job = dg.define_asset_job(
    "shard_job",
    selection=dg.AssetSelection.assets(["text", "document_text"], ["extracted", "reports"]),
    description="Decode and extract one shard of the documents (a partition), each step in its own process.",
    executor_def=shard_executor(),
)


# --- Runs started outside the UI (`nianbao run`, `nianbao fanout`) --------------------------------------------
# They are runs of the named jobs above, recorded with both origins the UI records for its own launches: the
# Python origin (how a process rebuilds the job: `execute_job(..., reexecution_options=...)`) and the origin
# in the workspace (code location `annual_reports` of workspace.yaml, repository `__repository__`), which
# the UI's "Re-execute" needs. Their run config holds the resources they ran with (inbox, data directory,
# limits), so a re-execution from the UI reads and writes what the original run did.

LOCATION = "annual_reports"


def reconstructable_job(name: str):
    """The job `name` of the code location, as a process (this one, or a step's) rebuilds it."""
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    from pipelines.settings import REPO_ROOT

    repository = ReconstructableRepository.for_module("pipelines.definitions", "defs", str(REPO_ROOT))
    return repository.get_reconstructable_job(name)


def workspace_origin(job_name: str, repository_name: str):
    """Where the UI finds the job: the code location of workspace.yaml (as `dagster dev -w` loads it)."""
    from dagster._core.remote_origin import RemoteRepositoryOrigin
    from dagster._core.workspace.load import location_origins_from_yaml_paths

    from pipelines.settings import REPO_ROOT

    [location] = [o for o in location_origins_from_yaml_paths([str(REPO_ROOT / "workspace.yaml")])
                  if o.location_name == LOCATION]
    return RemoteRepositoryOrigin(location, repository_name).get_job_origin(job_name)


def resources_run_config(resources: dict) -> dict:
    """The run config that gives a job's resources exactly these (every field, recorded with the run)."""
    return {"resources": {key: {"config": resource.model_dump()} for key, resource in resources.items()
                          if isinstance(resource, dg.ConfigurableResource)}}


def execute_named_job(name: str, instance: dg.DagsterInstance, *, resources: dict | None = None,
                      run_config: dict | None = None, tags: dict | None = None,
                      asset_selection: list | None = None) -> "dg.JobExecutionResult":
    """Execute the job `name` of the code location in this process (its executor decides where the steps
    run), as a run of that job: listed under it in the UI, and re-executable there."""
    from dagster._core.execution.api import _job_with_repository_load_data, execute_run

    job, load_data = _job_with_repository_load_data(reconstructable_job(name))
    definition = job.get_definition()
    selection = frozenset(dg.AssetKey.from_coercible(k) for k in asset_selection) if asset_selection else None
    config = dict(run_config or {})
    if resources:  # the resources this job (or its selection) uses: its config schema lists no others
        used = (definition.get_subset(asset_selection=selection) if selection else definition) \
            .run_config_schema.config_type.fields["resources"].config_type.fields
        config["resources"] = {k: v for k, v in resources_run_config(resources)["resources"].items() if k in used}
    run = instance.create_run_for_job(
        job_def=definition, run_config=config, tags={**definition.run_tags, **(tags or {})},
        asset_selection=selection,
        job_code_origin=job.get_python_origin(), remote_job_origin=workspace_origin(name, job.repository
                                                                                      .get_definition().name),
        repository_load_data=load_data)
    return execute_run(job, run, instance, raise_on_error=False)
