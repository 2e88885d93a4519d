# Two commands on a fresh machine: `make run` and `make test` (see README.md).
# Each one installs uv if missing, then syncs the locked environment in .venv.
# Bytecode: where PYTHONDONTWRITEBYTECODE is set (as on this machine) nothing would ever cache
# bytecode, and every process (each dbt run, each Dagster run) would compile dagster, dbt-core and
# the rest from source again (`import dagster, dagster_dbt` 9.2 s instead of 3.8 s). The targets
# below unset it, so each module is compiled once, the first time any process imports it, and later
# processes (the schedule's included, whatever their environment) read the cached bytecode.
# `uv sync --compile-bytecode` compiled all 1.2 GB of the venv up front instead: 16 s of every
# fresh setup (make test on a fresh clone) for modules that are mostly never imported.
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
VENV_BIN := .venv/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup run run-team dev-team lake-sql test dev bench clean drop-samples

setup:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 \
		|| $(PYTHON) -m pip install --quiet uv \
		|| $(PYTHON) -m pip install --quiet --user --break-system-packages uv \
		|| { $(PYTHON) -m ensurepip --user --default-pip && $(PYTHON) -m pip install --quiet --user uv; }
	@$(UV) sync --locked --quiet
	@$(VENV_BIN)/python -m compileall -q pipeline
	@$(VENV_BIN)/python -m pipeline.cli prepare

# Demo snapshots only when PAPERTRENDS_LANDING_DIR is unset and data/landing is empty;
# the run is recorded in $(DAGSTER_HOME), the instance `make dev` shows.
run: setup
	@$(VENV_BIN)/python -m pipeline.cli run

# Team mode on one machine (README: Team mode): embedded PostgreSQL + DuckLake under data/team,
# the same daily_refresh on the same landing dir; the server is stopped at the end.
run-team: setup
	@$(VENV_BIN)/python -m pipeline.team run

# The Dagster UI on run-team's runs (its dagster.yaml keeps them in the embedded PostgreSQL).
dev-team: setup
	@PATH="$(CURDIR)/$(VENV_BIN):$$PATH" $(VENV_BIN)/python -m pipeline.team ui

# One query on the published lake of run-team, e.g. make lake-sql SQL="SELECT count(*) FROM papertrends.marts.papers"
lake-sql: setup
	@$(VENV_BIN)/python -m pipeline.team sql "$(SQL)"

# Delete the demo (source 'sample') rows from raw, then a full refresh (README: from the demo to real data).
drop-samples: setup
	@$(VENV_BIN)/python -m pipeline.cli drop-samples

# Two workers (the machine has 2 cores); whole files per worker so module-scoped
# worlds (dbt builds, Dagster runs) are built once, not once per worker.
TEST_WORKERS ?= 2
test: setup
	@$(VENV_BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

dev: setup
	@$(VENV_BIN)/python -m pipeline.cli samples
	@PATH="$(CURDIR)/$(VENV_BIN):$$PATH" $(VENV_BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

bench: setup
	@$(VENV_BIN)/python -m bench.run
	@$(VENV_BIN)/python -m bench.refresh
	@$(VENV_BIN)/python -m bench.counts

clean:
	rm -rf data dbt_project/target dbt_project/logs
