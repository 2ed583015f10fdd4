"""What PostgreSQL knows about each of its parameters: type, base unit, range, allowed values.

postgresql.conf and `SHOW ALL` write values as text ("128MB", "1min", "of"); turning them into
numbers in the parameter's own unit needs the parameter's type and base unit, exactly as the
server has them. The table below is PostgreSQL 15 (Debian build 15.18, x86_64, 8 kB blocks),
generated from the real `select * from pg_settings` dump kept in
tests/data/postgres/settings/pg_settings.csv; tests check it against that dump and against
tests/data/postgres/units_pg15.txt. Besides the table this module owns the server's unit
arithmetic (`convert_to_base`: guc.c's conversion tables and its rounding of fractions).

Ranges are those of that build: the memory maxima depend on the platform, which is why
`random_page_cost` and the other DBL_MAX-bounded reals carry no upper bound here.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Param(NamedTuple):
    """One PostgreSQL 15 parameter as pg_settings describes it."""

    vartype: str  # bool | integer | real | enum | string
    unit: str | None  # base unit: B, kB, MB, 8kB, ms, s, min (None when unitless)
    min: int | float | None
    max: int | float | None
    enumvals: tuple[str, ...] | None
    context: str  # internal | postmaster | sighup | superuser-backend | backend | superuser | user


# name as pg_settings spells it -> (vartype, unit, min, max, enumvals, context)
_PG15: dict[
    str, tuple[str, str | None, int | float | None, int | float | None, tuple[str, ...] | None, str]
] = {
    "allow_in_place_tablespaces": ("bool", None, None, None, None, "superuser"),
    "allow_system_table_mods": ("bool", None, None, None, None, "superuser"),
    "application_name": ("string", None, None, None, None, "user"),
    "archive_cleanup_command": ("string", None, None, None, None, "sighup"),
    "archive_command": ("string", None, None, None, None, "sighup"),
    "archive_library": ("string", None, None, None, None, "sighup"),
    "archive_mode": ("enum", None, None, None, ("always", "on", "off"), "postmaster"),
    "archive_timeout": ("integer", "s", 0, 1073741823, None, "sighup"),
    "array_nulls": ("bool", None, None, None, None, "user"),
    "authentication_timeout": ("integer", "s", 1, 600, None, "sighup"),
    "autovacuum": ("bool", None, None, None, None, "sighup"),
    "autovacuum_analyze_scale_factor": ("real", None, 0.0, 100.0, None, "sighup"),
    "autovacuum_analyze_threshold": ("integer", None, 0, 2147483647, None, "sighup"),
    "autovacuum_freeze_max_age": ("integer", None, 100000, 2000000000, None, "postmaster"),
    "autovacuum_max_workers": ("integer", None, 1, 262143, None, "postmaster"),
    "autovacuum_multixact_freeze_max_age": ("integer", None, 10000, 2000000000, None, "postmaster"),
    "autovacuum_naptime": ("integer", "s", 1, 2147483, None, "sighup"),
    "autovacuum_vacuum_cost_delay": ("real", "ms", -1.0, 100.0, None, "sighup"),
    "autovacuum_vacuum_cost_limit": ("integer", None, -1, 10000, None, "sighup"),
    "autovacuum_vacuum_insert_scale_factor": ("real", None, 0.0, 100.0, None, "sighup"),
    "autovacuum_vacuum_insert_threshold": ("integer", None, -1, 2147483647, None, "sighup"),
    "autovacuum_vacuum_scale_factor": ("real", None, 0.0, 100.0, None, "sighup"),
    "autovacuum_vacuum_threshold": ("integer", None, 0, 2147483647, None, "sighup"),
    "autovacuum_work_mem": ("integer", "kB", -1, 2147483647, None, "sighup"),
    "backend_flush_after": ("integer", "8kB", 0, 256, None, "user"),
    "backslash_quote": ("enum", None, None, None, ("safe_encoding", "on", "off"), "user"),
    "backtrace_functions": ("string", None, None, None, None, "superuser"),
    "bgwriter_delay": ("integer", "ms", 10, 10000, None, "sighup"),
    "bgwriter_flush_after": ("integer", "8kB", 0, 256, None, "sighup"),
    "bgwriter_lru_maxpages": ("integer", None, 0, 1073741823, None, "sighup"),
    "bgwriter_lru_multiplier": ("real", None, 0.0, 10.0, None, "sighup"),
    "block_size": ("integer", None, 8192, 8192, None, "internal"),
    "bonjour": ("bool", None, None, None, None, "postmaster"),
    "bonjour_name": ("string", None, None, None, None, "postmaster"),
    "bytea_output": ("enum", None, None, None, ("escape", "hex"), "user"),
    "check_function_bodies": ("bool", None, None, None, None, "user"),
    "checkpoint_completion_target": ("real", None, 0.0, 1.0, None, "sighup"),
    "checkpoint_flush_after": ("integer", "8kB", 0, 256, None, "sighup"),
    "checkpoint_timeout": ("integer", "s", 30, 86400, None, "sighup"),
    "checkpoint_warning": ("integer", "s", 0, 2147483647, None, "sighup"),
    "client_connection_check_interval": ("integer", "ms", 0, 2147483647, None, "user"),
    "client_encoding": ("string", None, None, None, None, "user"),
    "client_min_messages": (
        "enum",
        None,
        None,
        None,
        ("debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error"),
        "user",
    ),
    "cluster_name": ("string", None, None, None, None, "postmaster"),
    "commit_delay": ("integer", None, 0, 100000, None, "superuser"),
    "commit_siblings": ("integer", None, 0, 1000, None, "user"),
    "compute_query_id": ("enum", None, None, None, ("auto", "regress", "on", "off"), "superuser"),
    "config_file": ("string", None, None, None, None, "postmaster"),
    "constraint_exclusion": ("enum", None, None, None, ("partition", "on", "off"), "user"),
    "cpu_index_tuple_cost": ("real", None, 0.0, None, None, "user"),
    "cpu_operator_cost": ("real", None, 0.0, None, None, "user"),
    "cpu_tuple_cost": ("real", None, 0.0, None, None, "user"),
    "cursor_tuple_fraction": ("real", None, 0.0, 1.0, None, "user"),
    "data_checksums": ("bool", None, None, None, None, "internal"),
    "data_directory": ("string", None, None, None, None, "postmaster"),
    "data_directory_mode": ("integer", None, 0, 511, None, "internal"),
    "data_sync_retry": ("bool", None, None, None, None, "postmaster"),
    "DateStyle": ("string", None, None, None, None, "user"),
    "db_user_namespace": ("bool", None, None, None, None, "sighup"),
    "deadlock_timeout": ("integer", "ms", 1, 2147483647, None, "superuser"),
    "debug_assertions": ("bool", None, None, None, None, "internal"),
    "debug_discard_caches": ("integer", None, 0, 0, None, "superuser"),
    "debug_pretty_print": ("bool", None, None, None, None, "user"),
    "debug_print_parse": ("bool", None, None, None, None, "user"),
    "debug_print_plan": ("bool", None, None, None, None, "user"),
    "debug_print_rewritten": ("bool", None, None, None, None, "user"),
    "default_statistics_target": ("integer", None, 1, 10000, None, "user"),
    "default_table_access_method": ("string", None, None, None, None, "user"),
    "default_tablespace": ("string", None, None, None, None, "user"),
    "default_text_search_config": ("string", None, None, None, None, "user"),
    "default_toast_compression": ("enum", None, None, None, ("pglz", "lz4"), "user"),
    "default_transaction_deferrable": ("bool", None, None, None, None, "user"),
    "default_transaction_isolation": (
        "enum",
        None,
        None,
        None,
        ("serializable", "repeatable read", "read committed", "read uncommitted"),
        "user",
    ),
    "default_transaction_read_only": ("bool", None, None, None, None, "user"),
    "dynamic_library_path": ("string", None, None, None, None, "superuser"),
    "dynamic_shared_memory_type": (
        "enum",
        None,
        None,
        None,
        ("posix", "sysv", "mmap"),
        "postmaster",
    ),
    "effective_cache_size": ("integer", "8kB", 1, 2147483647, None, "user"),
    "effective_io_concurrency": ("integer", None, 0, 1000, None, "user"),
    "enable_async_append": ("bool", None, None, None, None, "user"),
    "enable_bitmapscan": ("bool", None, None, None, None, "user"),
    "enable_gathermerge": ("bool", None, None, None, None, "user"),
    "enable_hashagg": ("bool", None, None, None, None, "user"),
    "enable_hashjoin": ("bool", None, None, None, None, "user"),
    "enable_incremental_sort": ("bool", None, None, None, None, "user"),
    "enable_indexonlyscan": ("bool", None, None, None, None, "user"),
    "enable_indexscan": ("bool", None, None, None, None, "user"),
    "enable_material": ("bool", None, None, None, None, "user"),
    "enable_memoize": ("bool", None, None, None, None, "user"),
    "enable_mergejoin": ("bool", None, None, None, None, "user"),
    "enable_nestloop": ("bool", None, None, None, None, "user"),
    "enable_parallel_append": ("bool", None, None, None, None, "user"),
    "enable_parallel_hash": ("bool", None, None, None, None, "user"),
    "enable_partition_pruning": ("bool", None, None, None, None, "user"),
    "enable_partitionwise_aggregate": ("bool", None, None, None, None, "user"),
    "enable_partitionwise_join": ("bool", None, None, None, None, "user"),
    "enable_seqscan": ("bool", None, None, None, None, "user"),
    "enable_sort": ("bool", None, None, None, None, "user"),
    "enable_tidscan": ("bool", None, None, None, None, "user"),
    "escape_string_warning": ("bool", None, None, None, None, "user"),
    "event_source": ("string", None, None, None, None, "postmaster"),
    "exit_on_error": ("bool", None, None, None, None, "user"),
    "extension_destdir": ("string", None, None, None, None, "superuser"),
    "external_pid_file": ("string", None, None, None, None, "postmaster"),
    "extra_float_digits": ("integer", None, -15, 3, None, "user"),
    "force_parallel_mode": ("enum", None, None, None, ("off", "on", "regress"), "user"),
    "from_collapse_limit": ("integer", None, 1, 2147483647, None, "user"),
    "fsync": ("bool", None, None, None, None, "sighup"),
    "full_page_writes": ("bool", None, None, None, None, "sighup"),
    "geqo": ("bool", None, None, None, None, "user"),
    "geqo_effort": ("integer", None, 1, 10, None, "user"),
    "geqo_generations": ("integer", None, 0, 2147483647, None, "user"),
    "geqo_pool_size": ("integer", None, 0, 2147483647, None, "user"),
    "geqo_seed": ("real", None, 0.0, 1.0, None, "user"),
    "geqo_selection_bias": ("real", None, 1.5, 2.0, None, "user"),
    "geqo_threshold": ("integer", None, 2, 2147483647, None, "user"),
    "gin_fuzzy_search_limit": ("integer", None, 0, 2147483647, None, "user"),
    "gin_pending_list_limit": ("integer", "kB", 64, 2147483647, None, "user"),
    "hash_mem_multiplier": ("real", None, 1.0, 1000.0, None, "user"),
    "hba_file": ("string", None, None, None, None, "postmaster"),
    "hot_standby": ("bool", None, None, None, None, "postmaster"),
    "hot_standby_feedback": ("bool", None, None, None, None, "sighup"),
    "huge_page_size": ("integer", "kB", 0, 2147483647, None, "postmaster"),
    "huge_pages": ("enum", None, None, None, ("off", "on", "try"), "postmaster"),
    "ident_file": ("string", None, None, None, None, "postmaster"),
    "idle_in_transaction_session_timeout": ("integer", "ms", 0, 2147483647, None, "user"),
    "idle_session_timeout": ("integer", "ms", 0, 2147483647, None, "user"),
    "ignore_checksum_failure": ("bool", None, None, None, None, "superuser"),
    "ignore_invalid_pages": ("bool", None, None, None, None, "postmaster"),
    "ignore_system_indexes": ("bool", None, None, None, None, "backend"),
    "in_hot_standby": ("bool", None, None, None, None, "internal"),
    "integer_datetimes": ("bool", None, None, None, None, "internal"),
    "IntervalStyle": (
        "enum",
        None,
        None,
        None,
        ("postgres", "postgres_verbose", "sql_standard", "iso_8601"),
        "user",
    ),
    "jit": ("bool", None, None, None, None, "user"),
    "jit_above_cost": ("real", None, -1.0, None, None, "user"),
    "jit_debugging_support": ("bool", None, None, None, None, "superuser-backend"),
    "jit_dump_bitcode": ("bool", None, None, None, None, "superuser"),
    "jit_expressions": ("bool", None, None, None, None, "user"),
    "jit_inline_above_cost": ("real", None, -1.0, None, None, "user"),
    "jit_optimize_above_cost": ("real", None, -1.0, None, None, "user"),
    "jit_profiling_support": ("bool", None, None, None, None, "superuser-backend"),
    "jit_provider": ("string", None, None, None, None, "postmaster"),
    "jit_tuple_deforming": ("bool", None, None, None, None, "user"),
    "join_collapse_limit": ("integer", None, 1, 2147483647, None, "user"),
    "krb_caseins_users": ("bool", None, None, None, None, "sighup"),
    "krb_server_keyfile": ("string", None, None, None, None, "sighup"),
    "lc_collate": ("string", None, None, None, None, "internal"),
    "lc_ctype": ("string", None, None, None, None, "internal"),
    "lc_messages": ("string", None, None, None, None, "superuser"),
    "lc_monetary": ("string", None, None, None, None, "user"),
    "lc_numeric": ("string", None, None, None, None, "user"),
    "lc_time": ("string", None, None, None, None, "user"),
    "listen_addresses": ("string", None, None, None, None, "postmaster"),
    "lo_compat_privileges": ("bool", None, None, None, None, "superuser"),
    "local_preload_libraries": ("string", None, None, None, None, "user"),
    "lock_timeout": ("integer", "ms", 0, 2147483647, None, "user"),
    "log_autovacuum_min_duration": ("integer", "ms", -1, 2147483647, None, "sighup"),
    "log_checkpoints": ("bool", None, None, None, None, "sighup"),
    "log_connections": ("bool", None, None, None, None, "superuser-backend"),
    "log_destination": ("string", None, None, None, None, "sighup"),
    "log_directory": ("string", None, None, None, None, "sighup"),
    "log_disconnections": ("bool", None, None, None, None, "superuser-backend"),
    "log_duration": ("bool", None, None, None, None, "superuser"),
    "log_error_verbosity": ("enum", None, None, None, ("terse", "default", "verbose"), "superuser"),
    "log_executor_stats": ("bool", None, None, None, None, "superuser"),
    "log_file_mode": ("integer", None, 0, 511, None, "sighup"),
    "log_filename": ("string", None, None, None, None, "sighup"),
    "log_hostname": ("bool", None, None, None, None, "sighup"),
    "log_line_prefix": ("string", None, None, None, None, "sighup"),
    "log_lock_waits": ("bool", None, None, None, None, "superuser"),
    "log_min_duration_sample": ("integer", "ms", -1, 2147483647, None, "superuser"),
    "log_min_duration_statement": ("integer", "ms", -1, 2147483647, None, "superuser"),
    "log_min_error_statement": (
        "enum",
        None,
        None,
        None,
        (
            "debug5",
            "debug4",
            "debug3",
            "debug2",
            "debug1",
            "info",
            "notice",
            "warning",
            "error",
            "log",
            "fatal",
            "panic",
        ),
        "superuser",
    ),
    "log_min_messages": (
        "enum",
        None,
        None,
        None,
        (
            "debug5",
            "debug4",
            "debug3",
            "debug2",
            "debug1",
            "info",
            "notice",
            "warning",
            "error",
            "log",
            "fatal",
            "panic",
        ),
        "superuser",
    ),
    "log_parameter_max_length": ("integer", "B", -1, 1073741823, None, "superuser"),
    "log_parameter_max_length_on_error": ("integer", "B", -1, 1073741823, None, "user"),
    "log_parser_stats": ("bool", None, None, None, None, "superuser"),
    "log_planner_stats": ("bool", None, None, None, None, "superuser"),
    "log_recovery_conflict_waits": ("bool", None, None, None, None, "sighup"),
    "log_replication_commands": ("bool", None, None, None, None, "superuser"),
    "log_rotation_age": ("integer", "min", 0, 35791394, None, "sighup"),
    "log_rotation_size": ("integer", "kB", 0, 2097151, None, "sighup"),
    "log_startup_progress_interval": ("integer", "ms", 0, 2147483647, None, "sighup"),
    "log_statement": ("enum", None, None, None, ("none", "ddl", "mod", "all"), "superuser"),
    "log_statement_sample_rate": ("real", None, 0.0, 1.0, None, "superuser"),
    "log_statement_stats": ("bool", None, None, None, None, "superuser"),
    "log_temp_files": ("integer", "kB", -1, 2147483647, None, "superuser"),
    "log_timezone": ("string", None, None, None, None, "sighup"),
    "log_transaction_sample_rate": ("real", None, 0.0, 1.0, None, "superuser"),
    "log_truncate_on_rotation": ("bool", None, None, None, None, "sighup"),
    "logging_collector": ("bool", None, None, None, None, "postmaster"),
    "logical_decoding_work_mem": ("integer", "kB", 64, 2147483647, None, "user"),
    "maintenance_io_concurrency": ("integer", None, 0, 1000, None, "user"),
    "maintenance_work_mem": ("integer", "kB", 1024, 2147483647, None, "user"),
    "max_connections": ("integer", None, 1, 262143, None, "postmaster"),
    "max_files_per_process": ("integer", None, 64, 2147483647, None, "postmaster"),
    "max_function_args": ("integer", None, 100, 100, None, "internal"),
    "max_identifier_length": ("integer", None, 63, 63, None, "internal"),
    "max_index_keys": ("integer", None, 32, 32, None, "internal"),
    "max_locks_per_transaction": ("integer", None, 10, 2147483647, None, "postmaster"),
    "max_logical_replication_workers": ("integer", None, 0, 262143, None, "postmaster"),
    "max_parallel_maintenance_workers": ("integer", None, 0, 1024, None, "user"),
    "max_parallel_workers": ("integer", None, 0, 1024, None, "user"),
    "max_parallel_workers_per_gather": ("integer", None, 0, 1024, None, "user"),
    "max_pred_locks_per_page": ("integer", None, 0, 2147483647, None, "sighup"),
    "max_pred_locks_per_relation": ("integer", None, -2147483648, 2147483647, None, "sighup"),
    "max_pred_locks_per_transaction": ("integer", None, 10, 2147483647, None, "postmaster"),
    "max_prepared_transactions": ("integer", None, 0, 262143, None, "postmaster"),
    "max_replication_slots": ("integer", None, 0, 262143, None, "postmaster"),
    "max_slot_wal_keep_size": ("integer", "MB", -1, 2147483647, None, "sighup"),
    "max_stack_depth": ("integer", "kB", 100, 2147483647, None, "superuser"),
    "max_standby_archive_delay": ("integer", "ms", -1, 2147483647, None, "sighup"),
    "max_standby_streaming_delay": ("integer", "ms", -1, 2147483647, None, "sighup"),
    "max_sync_workers_per_subscription": ("integer", None, 0, 262143, None, "sighup"),
    "max_wal_senders": ("integer", None, 0, 262143, None, "postmaster"),
    "max_wal_size": ("integer", "MB", 2, 2147483647, None, "sighup"),
    "max_worker_processes": ("integer", None, 0, 262143, None, "postmaster"),
    "min_dynamic_shared_memory": ("integer", "MB", 0, 2147483647, None, "postmaster"),
    "min_parallel_index_scan_size": ("integer", "8kB", 0, 715827882, None, "user"),
    "min_parallel_table_scan_size": ("integer", "8kB", 0, 715827882, None, "user"),
    "min_wal_size": ("integer", "MB", 2, 2147483647, None, "sighup"),
    "old_snapshot_threshold": ("integer", "min", -1, 86400, None, "postmaster"),
    "parallel_leader_participation": ("bool", None, None, None, None, "user"),
    "parallel_setup_cost": ("real", None, 0.0, None, None, "user"),
    "parallel_tuple_cost": ("real", None, 0.0, None, None, "user"),
    "password_encryption": ("enum", None, None, None, ("md5", "scram-sha-256"), "user"),
    "plan_cache_mode": (
        "enum",
        None,
        None,
        None,
        ("auto", "force_generic_plan", "force_custom_plan"),
        "user",
    ),
    "port": ("integer", None, 1, 65535, None, "postmaster"),
    "post_auth_delay": ("integer", "s", 0, 2147, None, "backend"),
    "pre_auth_delay": ("integer", "s", 0, 60, None, "sighup"),
    "primary_conninfo": ("string", None, None, None, None, "sighup"),
    "primary_slot_name": ("string", None, None, None, None, "sighup"),
    "promote_trigger_file": ("string", None, None, None, None, "sighup"),
    "quote_all_identifiers": ("bool", None, None, None, None, "user"),
    "random_page_cost": ("real", None, 0.0, None, None, "user"),
    "recovery_end_command": ("string", None, None, None, None, "sighup"),
    "recovery_init_sync_method": ("enum", None, None, None, ("fsync", "syncfs"), "sighup"),
    "recovery_min_apply_delay": ("integer", "ms", 0, 2147483647, None, "sighup"),
    "recovery_prefetch": ("enum", None, None, None, ("off", "on", "try"), "sighup"),
    "recovery_target": ("string", None, None, None, None, "postmaster"),
    "recovery_target_action": (
        "enum",
        None,
        None,
        None,
        ("pause", "promote", "shutdown"),
        "postmaster",
    ),
    "recovery_target_inclusive": ("bool", None, None, None, None, "postmaster"),
    "recovery_target_lsn": ("string", None, None, None, None, "postmaster"),
    "recovery_target_name": ("string", None, None, None, None, "postmaster"),
    "recovery_target_time": ("string", None, None, None, None, "postmaster"),
    "recovery_target_timeline": ("string", None, None, None, None, "postmaster"),
    "recovery_target_xid": ("string", None, None, None, None, "postmaster"),
    "recursive_worktable_factor": ("real", None, 0.001, 1000000.0, None, "user"),
    "remove_temp_files_after_crash": ("bool", None, None, None, None, "sighup"),
    "restart_after_crash": ("bool", None, None, None, None, "sighup"),
    "restore_command": ("string", None, None, None, None, "sighup"),
    "restrict_nonsystem_relation_kind": ("string", None, None, None, None, "user"),
    "row_security": ("bool", None, None, None, None, "user"),
    "search_path": ("string", None, None, None, None, "user"),
    "segment_size": ("integer", "8kB", 131072, 131072, None, "internal"),
    "seq_page_cost": ("real", None, 0.0, None, None, "user"),
    "server_encoding": ("string", None, None, None, None, "internal"),
    "server_version": ("string", None, None, None, None, "internal"),
    "server_version_num": ("integer", None, 150018, 150018, None, "internal"),
    "session_preload_libraries": ("string", None, None, None, None, "superuser"),
    "session_replication_role": (
        "enum",
        None,
        None,
        None,
        ("origin", "replica", "local"),
        "superuser",
    ),
    "shared_buffers": ("integer", "8kB", 16, 1073741823, None, "postmaster"),
    "shared_memory_size": ("integer", "MB", 0, 2147483647, None, "internal"),
    "shared_memory_size_in_huge_pages": ("integer", None, -1, 2147483647, None, "internal"),
    "shared_memory_type": ("enum", None, None, None, ("sysv", "mmap"), "postmaster"),
    "shared_preload_libraries": ("string", None, None, None, None, "postmaster"),
    "ssl": ("bool", None, None, None, None, "sighup"),
    "ssl_ca_file": ("string", None, None, None, None, "sighup"),
    "ssl_cert_file": ("string", None, None, None, None, "sighup"),
    "ssl_ciphers": ("string", None, None, None, None, "sighup"),
    "ssl_crl_dir": ("string", None, None, None, None, "sighup"),
    "ssl_crl_file": ("string", None, None, None, None, "sighup"),
    "ssl_dh_params_file": ("string", None, None, None, None, "sighup"),
    "ssl_ecdh_curve": ("string", None, None, None, None, "sighup"),
    "ssl_key_file": ("string", None, None, None, None, "sighup"),
    "ssl_library": ("string", None, None, None, None, "internal"),
    "ssl_max_protocol_version": (
        "enum",
        None,
        None,
        None,
        ("", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"),
        "sighup",
    ),
    "ssl_min_protocol_version": (
        "enum",
        None,
        None,
        None,
        ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"),
        "sighup",
    ),
    "ssl_passphrase_command": ("string", None, None, None, None, "sighup"),
    "ssl_passphrase_command_supports_reload": ("bool", None, None, None, None, "sighup"),
    "ssl_prefer_server_ciphers": ("bool", None, None, None, None, "sighup"),
    "standard_conforming_strings": ("bool", None, None, None, None, "user"),
    "statement_timeout": ("integer", "ms", 0, 2147483647, None, "user"),
    "stats_fetch_consistency": ("enum", None, None, None, ("none", "cache", "snapshot"), "user"),
    "superuser_reserved_connections": ("integer", None, 0, 262143, None, "postmaster"),
    "synchronize_seqscans": ("bool", None, None, None, None, "user"),
    "synchronous_commit": (
        "enum",
        None,
        None,
        None,
        ("local", "remote_write", "remote_apply", "on", "off"),
        "user",
    ),
    "synchronous_standby_names": ("string", None, None, None, None, "sighup"),
    "syslog_facility": (
        "enum",
        None,
        None,
        None,
        ("local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"),
        "sighup",
    ),
    "syslog_ident": ("string", None, None, None, None, "sighup"),
    "syslog_sequence_numbers": ("bool", None, None, None, None, "sighup"),
    "syslog_split_messages": ("bool", None, None, None, None, "sighup"),
    "tcp_keepalives_count": ("integer", None, 0, 2147483647, None, "user"),
    "tcp_keepalives_idle": ("integer", "s", 0, 2147483647, None, "user"),
    "tcp_keepalives_interval": ("integer", "s", 0, 2147483647, None, "user"),
    "tcp_user_timeout": ("integer", "ms", 0, 2147483647, None, "user"),
    "temp_buffers": ("integer", "8kB", 100, 1073741823, None, "user"),
    "temp_file_limit": ("integer", "kB", -1, 2147483647, None, "superuser"),
    "temp_tablespaces": ("string", None, None, None, None, "user"),
    "TimeZone": ("string", None, None, None, None, "user"),
    "timezone_abbreviations": ("string", None, None, None, None, "user"),
    "trace_notify": ("bool", None, None, None, None, "user"),
    "trace_recovery_messages": (
        "enum",
        None,
        None,
        None,
        ("debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error"),
        "sighup",
    ),
    "trace_sort": ("bool", None, None, None, None, "user"),
    "track_activities": ("bool", None, None, None, None, "superuser"),
    "track_activity_query_size": ("integer", "B", 100, 1048576, None, "postmaster"),
    "track_commit_timestamp": ("bool", None, None, None, None, "postmaster"),
    "track_counts": ("bool", None, None, None, None, "superuser"),
    "track_functions": ("enum", None, None, None, ("none", "pl", "all"), "superuser"),
    "track_io_timing": ("bool", None, None, None, None, "superuser"),
    "track_wal_io_timing": ("bool", None, None, None, None, "superuser"),
    "transaction_deferrable": ("bool", None, None, None, None, "user"),
    "transaction_isolation": (
        "enum",
        None,
        None,
        None,
        ("serializable", "repeatable read", "read committed", "read uncommitted"),
        "user",
    ),
    "transaction_read_only": ("bool", None, None, None, None, "user"),
    "transform_null_equals": ("bool", None, None, None, None, "user"),
    "unix_socket_directories": ("string", None, None, None, None, "postmaster"),
    "unix_socket_group": ("string", None, None, None, None, "postmaster"),
    "unix_socket_permissions": ("integer", None, 0, 511, None, "postmaster"),
    "update_process_title": ("bool", None, None, None, None, "superuser"),
    "vacuum_cost_delay": ("real", "ms", 0.0, 100.0, None, "user"),
    "vacuum_cost_limit": ("integer", None, 1, 10000, None, "user"),
    "vacuum_cost_page_dirty": ("integer", None, 0, 10000, None, "user"),
    "vacuum_cost_page_hit": ("integer", None, 0, 10000, None, "user"),
    "vacuum_cost_page_miss": ("integer", None, 0, 10000, None, "user"),
    "vacuum_defer_cleanup_age": ("integer", None, 0, 1000000, None, "sighup"),
    "vacuum_failsafe_age": ("integer", None, 0, 2100000000, None, "user"),
    "vacuum_freeze_min_age": ("integer", None, 0, 1000000000, None, "user"),
    "vacuum_freeze_table_age": ("integer", None, 0, 2000000000, None, "user"),
    "vacuum_multixact_failsafe_age": ("integer", None, 0, 2100000000, None, "user"),
    "vacuum_multixact_freeze_min_age": ("integer", None, 0, 1000000000, None, "user"),
    "vacuum_multixact_freeze_table_age": ("integer", None, 0, 2000000000, None, "user"),
    "wal_block_size": ("integer", None, 8192, 8192, None, "internal"),
    "wal_buffers": ("integer", "8kB", -1, 262143, None, "postmaster"),
    "wal_compression": (
        "enum",
        None,
        None,
        None,
        ("pglz", "lz4", "zstd", "on", "off"),
        "superuser",
    ),
    "wal_consistency_checking": ("string", None, None, None, None, "superuser"),
    "wal_decode_buffer_size": ("integer", "B", 65536, 1073741823, None, "postmaster"),
    "wal_init_zero": ("bool", None, None, None, None, "superuser"),
    "wal_keep_size": ("integer", "MB", 0, 2147483647, None, "sighup"),
    "wal_level": ("enum", None, None, None, ("minimal", "replica", "logical"), "postmaster"),
    "wal_log_hints": ("bool", None, None, None, None, "postmaster"),
    "wal_receiver_create_temp_slot": ("bool", None, None, None, None, "sighup"),
    "wal_receiver_status_interval": ("integer", "s", 0, 2147483, None, "sighup"),
    "wal_receiver_timeout": ("integer", "ms", 0, 2147483647, None, "sighup"),
    "wal_recycle": ("bool", None, None, None, None, "superuser"),
    "wal_retrieve_retry_interval": ("integer", "ms", 1, 2147483647, None, "sighup"),
    "wal_segment_size": ("integer", "B", 1048576, 1073741824, None, "internal"),
    "wal_sender_timeout": ("integer", "ms", 0, 2147483647, None, "user"),
    "wal_skip_threshold": ("integer", "kB", 0, 2147483647, None, "user"),
    "wal_sync_method": (
        "enum",
        None,
        None,
        None,
        ("fsync", "fdatasync", "open_sync", "open_datasync"),
        "sighup",
    ),
    "wal_writer_delay": ("integer", "ms", 1, 10000, None, "sighup"),
    "wal_writer_flush_after": ("integer", "8kB", 0, 2147483647, None, "sighup"),
    "work_mem": ("integer", "kB", 64, 2147483647, None, "user"),
    "xmlbinary": ("enum", None, None, None, ("base64", "hex"), "user"),
    "xmloption": ("enum", None, None, None, ("content", "document"), "user"),
    "zero_damaged_pages": ("bool", None, None, None, None, "superuser"),
    # Real PostgreSQL 15 parameters that pg_settings does not list (GUC_NO_SHOW_ALL).
    "default_with_oids": ("bool", None, None, None, None, "user"),
    "is_superuser": ("bool", None, None, None, None, "internal"),
    "role": ("string", None, None, None, None, "user"),
    "seed": ("real", None, -1.0, 1.0, None, "user"),
    "session_authorization": ("string", None, None, None, None, "user"),
    "ssl_renegotiation_limit": ("integer", None, 0, 0, None, "user"),
}

# Enum spellings the server accepts but pg_settings.enumvals does not list, with the value
# it then reports (probed with `postgres -c name=value -C name` on PostgreSQL 15.18).
_BOOL_ALIASES = {"true": "on", "yes": "on", "1": "on", "false": "off", "no": "off", "0": "off"}
_MESSAGE_LEVEL_ALIASES = {"debug": "debug2"}
HIDDEN_ENUM_VALUES: dict[str, dict[str, str]] = {
    "archive_mode": _BOOL_ALIASES,
    "backslash_quote": _BOOL_ALIASES,
    "compute_query_id": _BOOL_ALIASES,
    "constraint_exclusion": _BOOL_ALIASES,
    "force_parallel_mode": _BOOL_ALIASES,
    "huge_pages": _BOOL_ALIASES,
    "recovery_prefetch": _BOOL_ALIASES,
    "synchronous_commit": _BOOL_ALIASES,
    # wal_compression = on means the default method, reported as pglz
    "wal_compression": {
        "on": "pglz",
        "true": "pglz",
        "yes": "pglz",
        "1": "pglz",
        "false": "off",
        "no": "off",
        "0": "off",
    },
    "client_min_messages": {**_MESSAGE_LEVEL_ALIASES, "info": "info"},
    "trace_recovery_messages": {**_MESSAGE_LEVEL_ALIASES, "info": "info"},
    "log_min_messages": _MESSAGE_LEVEL_ALIASES,
    "log_min_error_statement": _MESSAGE_LEVEL_ALIASES,
    "wal_level": {"archive": "replica", "hot_standby": "replica"},
}

# Names the server maps to current parameters (guc.c map_old_guc_names).
OLD_NAMES: dict[str, str] = {"sort_mem": "work_mem", "vacuum_mem": "maintenance_work_mem"}

# Parameters of other major versions: some removed before 15, and those added in 16..19 as
# listed in postgres/postgres src/backend/utils/misc/guc_parameters.dat. (Those removed after
# 15, such as promote_trigger_file or old_snapshot_threshold, are in the table above.) A file that sets one of
# them is valid for some server; PostgreSQL 15 itself would reject it.
OTHER_VERSION_PARAMS: frozenset[str] = frozenset(
    {
        # removed before or in 15
        "checkpoint_segments",
        "wal_keep_segments",
        "operator_precedence_warning",
        "vacuum_cleanup_index_scale_factor",
        "stats_temp_directory",
        "replacement_sort_tuples",
        "sql_inheritance",
        "min_parallel_relation_size",
        "unix_socket_directory",
        "custom_variable_classes",
        "silent_mode",
        # added in 16 and later
        "allow_alter_system",
        "autovacuum_analyze_score_weight",
        "autovacuum_freeze_score_weight",
        "autovacuum_max_parallel_workers",
        "autovacuum_multixact_freeze_score_weight",
        "autovacuum_vacuum_insert_score_weight",
        "autovacuum_vacuum_max_threshold",
        "autovacuum_vacuum_score_weight",
        "autovacuum_worker_slots",
        "commit_timestamp_buffers",
        "createrole_self_grant",
        "debug_copy_parse_plan_trees",
        "debug_exec_backend",
        "debug_io_direct",
        "debug_logical_replication_streaming",
        "debug_parallel_query",
        "debug_raw_expression_coverage_test",
        "debug_write_read_parse_plan_trees",
        "effective_wal_level",
        "enable_distinct_reordering",
        "enable_eager_aggregate",
        "enable_group_by_reordering",
        "enable_presorted_aggregate",
        "enable_self_join_elimination",
        "event_triggers",
        "extension_control_path",
        "file_copy_method",
        "file_extend_method",
        "gss_accept_delegation",
        "hosts_file",
        "huge_pages_status",
        "icu_validation_level",
        "io_combine_limit",
        "io_max_combine_limit",
        "io_max_concurrency",
        "io_max_workers",
        "io_method",
        "io_min_workers",
        "io_workers",
        "io_worker_idle_timeout",
        "io_worker_launch_interval",
        "idle_replication_slot_timeout",
        "log_autoanalyze_min_duration",
        "log_lock_failures",
        "log_statement_max_length",
        "max_active_replication_origins",
        "max_notify_queue_pages",
        "max_parallel_apply_workers_per_subscription",
        "max_repack_replication_slots",
        "md5_password_warnings",
        "min_eager_agg_group_size",
        "multixact_member_buffers",
        "multixact_offset_buffers",
        "notify_buffers",
        "num_os_semaphores",
        "oauth_validator_libraries",
        "password_expiration_warning_threshold",
        "reserved_connections",
        "scram_iterations",
        "send_abort_for_crash",
        "send_abort_for_kill",
        "serializable_buffers",
        "ssl_groups",
        "ssl_sni",
        "ssl_tls13_ciphers",
        "subtransaction_buffers",
        "summarize_wal",
        "sync_replication_slots",
        "synchronized_standby_slots",
        "timing_clock_source",
        "trace_connection_negotiation",
        "track_cost_delay_timing",
        "transaction_buffers",
        "transaction_timeout",
        "vacuum_buffer_usage_limit",
        "vacuum_max_eager_freeze_failure_rate",
        "vacuum_truncate",
        "wal_sender_shutdown_timeout",
        "wal_summary_keep_time",
        # only in builds with debugging switches compiled in
        "debug_deadlocks",
        "trace_lock_oidmin",
        "trace_lock_table",
        "trace_locks",
        "trace_lwlocks",
        "trace_userlocks",
        "trace_syncscan",
        "wal_debug",
        "log_btree_build_stats",
        "optimize_bounded_sort",
    }
)

PARAMS: dict[str, Param] = {name.lower(): Param(*spec) for name, spec in _PG15.items()}
# lower-case name -> the spelling pg_settings uses (DateStyle, IntervalStyle, TimeZone)
CANONICAL: dict[str, str] = {name.lower(): name for name in _PG15}


def lookup(name: str) -> tuple[str, Param] | None:
    """(canonical name, Param) for a parameter name in any case, old aliases included."""
    low = name.lower()
    low = OLD_NAMES.get(low, low)
    param = PARAMS.get(low)
    if param is None:
        return None
    return CANONICAL[low], param


# ---------------------------------------------------------------------------------------------
# Units. Memory units are powers of 1024 and case-sensitive; a base unit may carry a count
# ("8kB" blocks, and "16MB" WAL segments in pg_settings of PostgreSQL 9.5 and 10).

MEMORY_UNITS: dict[str, int] = {"B": 1, "kB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
TIME_UNITS_MS: dict[str, float] = {
    "us": 0.001,
    "ms": 1,
    "s": 1000,
    "min": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
}
# Input units from largest to smallest, as guc.c lists them: a fractional value is rounded
# to a whole number of the next smaller unit of the same table.
_MEMORY_ORDER = ("TB", "GB", "MB", "kB", "B")
_TIME_ORDER = ("d", "h", "min", "s", "ms", "us")
# guc.c's own multipliers for the time base units (kept as the server computes them, so
# that float rounding matches): unit -> multiplier, per base unit
_TIME_TABLE: dict[str, dict[str, float]] = {
    "ms": {
        "d": 1000 * 60 * 60 * 24,
        "h": 1000 * 60 * 60,
        "min": 1000 * 60,
        "s": 1000,
        "ms": 1,
        "us": 1.0 / 1000,
    },
    "s": {
        "d": 60 * 60 * 24,
        "h": 60 * 60,
        "min": 60,
        "s": 1,
        "ms": 1.0 / 1000,
        "us": 1.0 / (1000 * 1000),
    },
    "min": {
        "d": 60 * 24,
        "h": 60,
        "min": 1,
        "s": 1.0 / 60,
        "ms": 1.0 / (1000 * 60),
        "us": 1.0 / (1000 * 1000 * 60),
    },
}
MAX_UNIT_LEN = 3  # guc.c reads at most three characters of unit

_UNIT_RE = re.compile(r"(\d*)\s*([A-Za-z]+)")


def unit_bytes(unit: str | None) -> int | None:
    """Bytes in one base unit (`8kB` -> 8192, `16MB` -> 16777216); None for time or no unit."""
    if not unit:
        return None
    m = _UNIT_RE.fullmatch(unit.strip())
    if not m or m.group(2) not in MEMORY_UNITS:
        return None
    return int(m.group(1) or 1) * MEMORY_UNITS[m.group(2)]


def unit_ms(unit: str | None) -> float | None:
    """Milliseconds in one base unit (`s` -> 1000, `min` -> 60000); None for memory or no unit."""
    if not unit:
        return None
    m = _UNIT_RE.fullmatch(unit.strip())
    if not m or m.group(2) not in TIME_UNITS_MS:
        return None
    ms = int(m.group(1) or 1) * TIME_UNITS_MS[m.group(2)]
    return int(ms) if float(ms).is_integer() else ms


def is_memory_unit(unit: str | None) -> bool:
    """True when the base unit is an amount of memory."""
    return unit_bytes(unit) is not None


def convert_to_base(value: float, unit_text: str, base_unit: str) -> float | None:
    """A number with a unit written after it, in the parameter's base unit; None if the unit is wrong.

    Mirrors guc.c convert_to_base_unit: the unit is at most three characters, may be
    followed by blanks only, must belong to the base unit's table (memory or time), and a
    fractional result is rounded to a whole number of the next smaller unit
    (`30.1GB` -> 30822 MB -> 31561728 kB; `1.5s` -> 1500 ms).
    """
    text = unit_text
    unit = ""
    i = 0
    while i < len(text) and not text[i].isspace() and len(unit) < MAX_UNIT_LEN:
        unit += text[i]
        i += 1
    if text[i:].strip(" \t\n\r\f\v"):
        return None  # unit too long, or something after it
    base_bytes = unit_bytes(base_unit)
    if base_bytes is not None:
        if unit not in MEMORY_UNITS:
            return None
        order = _MEMORY_ORDER
        table = {u: MEMORY_UNITS[u] / base_bytes for u in order}
    elif base_unit in _TIME_TABLE:
        table = _TIME_TABLE[base_unit]
        if unit not in table:
            return None
        order = _TIME_ORDER
    else:
        return None
    converted = value * table[unit]
    pos = order.index(unit)
    if pos + 1 < len(order):
        smaller = table[order[pos + 1]]
        converted = round(converted / smaller) * smaller
    return converted


def units_hint(base_unit: str) -> str:
    """The server's hint listing the units a parameter accepts."""
    if unit_bytes(base_unit) is not None:
        return 'Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".'
    return 'Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".'
