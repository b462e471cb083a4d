"""Operations around the pipeline: the `nianbao` CLI and the fan-out of runs over processes."""
