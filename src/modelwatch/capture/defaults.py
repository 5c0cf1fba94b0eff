"""The capture writer's defaults, apart from the writer so that the command line can show them
without importing it."""

MIB = 1024 * 1024
DEFAULT_MAX_BODY_BYTES = MIB
DEFAULT_MAX_FILE_BYTES = 64 * MIB
DEFAULT_ROLL_INTERVAL_SECONDS = 60.0
DEFAULT_QUEUE_SIZE = 10_000
