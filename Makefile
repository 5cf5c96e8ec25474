# The hub's commands. `make run` serves the demo; `make test` runs lint and the whole suite.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)

.PHONY: run test lint worker beat bench messages install serve

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

$(VENV)/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --quiet
	@touch $@

install: $(VENV)/.installed

# Local secrets for the embedded default; a deployment sets SECRET_KEY in its environment instead.
.env:
	@python3 -c 'import base64, os, secrets; print(f"SECRET_KEY={secrets.token_urlsafe(50)}\nDEBUG=true\nAGREEMENT_SIGNING_KEY={base64.b64encode(os.urandom(32)).decode()}\nFIELD_ENCRYPTION_KEYS=k1:{base64.b64encode(os.urandom(32)).decode()}\nBLIND_INDEX_KEY={base64.b64encode(os.urandom(32)).decode()}")' > .env
	@echo "Wrote .env with fresh keys and DEBUG=true"

run: install .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_load
	@# Without Redis, jobs run in-process and this loop stands in for Celery beat.
	@trap 'kill 0' EXIT INT TERM; \
	if [ -z "$$REDIS_URL" ] && ! grep -q '^REDIS_URL=' .env; then \
		$(PY) manage.py outbox_sweep --every 30 & \
	fi; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production-style serving: gunicorn behind a proxy, static files from whitenoise.
serve: install
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/gunicorn hub.wsgi --bind 127.0.0.1:$(PORT) --workers $${WEB_CONCURRENCY:-$$((2 * $$(nproc) + 1))}

worker: install
	$(VENV)/bin/celery -A hub worker --loglevel INFO --queues $${CELERY_QUEUE:-hub}

beat: install
	$(VENV)/bin/celery -A hub beat --loglevel INFO --schedule var/celerybeat-schedule

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint .env
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install .env
	$(PY) -m pytest tests/bench -p no:cacheprovider -s $(PYTEST_ARGS)

messages: install
	$(PY) manage.py makemessages --locale zh_Hans --ignore '.venv/*' --ignore '.tools/*' --no-obsolete
	$(PY) manage.py compilemessages --locale zh_Hans --ignore '.venv/*'
