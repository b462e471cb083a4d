"""Partitions: documents sharded by the first hex digit of their sha256.

The text and extracted layers are partitioned by shard; every partition reads and writes only its own
lake directories, so partitions run at once (one run per shard on Kubernetes or Celery, see deploy/).
A whole-pipeline run covers every shard in one step (single-run backfill policy): the job carries the
range as tags, so the sensor, the schedule and `nianbao run` need no partition key.
"""

import warnings

import dagster as dg

from pipelines.storage.lake import SHARDS

SHARD_PARTITIONS = dg.StaticPartitionsDefinition(SHARDS)

ALL_SHARDS = {"dagster/asset_partition_range_start": SHARDS[0], "dagster/asset_partition_range_end": SHARDS[-1]}

# Every shard in one run: the step gets all partition keys and uses every core on them.
ONE_RUN = dg.BackfillPolicy.single_run()
# BackfillPolicy is marked beta; the warning would print on every load of the definitions.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)
