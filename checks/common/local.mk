# SPDX-License-Identifier: MIT
# checks/common: what several checks share, compiled into each check that lists it: modes
# (postgres, redis), problems (rest-health, mcp-tools, tls-expiry), json_path and json_rule
# (rest-health, mcp-tools), child_spawn (exec, mcp-tools' stdio servers).
# Includes core/lib/mw_check.h only; no check's folder includes another's.
COMMON_MODES = %reldir%/modes.c %reldir%/modes.h
COMMON_SPAWN = %reldir%/child_spawn.c %reldir%/child_spawn.h
COMMON_PROBLEMS = %reldir%/problems.c %reldir%/problems.h
COMMON_JSON_PATH = %reldir%/json_path.c %reldir%/json_path.h
COMMON_JSON_RULE = %reldir%/json_rule.c %reldir%/json_rule.h $(COMMON_JSON_PATH)
EXTRA_DIST += %reldir%/README.md
