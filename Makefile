# Two commands set everything up: `make run` serves the platform, `make test` checks it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the modules setup.py compiles with mypyc: installing again rebuilds them when they change
COMPILED := $(shell sed -n 's/^    "\(.*\.py\)",$$/\1/p' setup.py)
PORT ?= 8000
LIANGSHAN_TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
export LIANGSHAN_TEST_POSTGRES_URL

.PHONY: run test browser lint wheel-check conformance swagger-ui console-vendor bench clean

$(STAMP): pyproject.toml setup.py $(COMPILED)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/liangshan db upgrade
	$(BIN)/liangshan demo seed --if-empty
	$(BIN)/liangshan serve --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# pytest-xdist: one worker per core (each with its own databases); TEST_WORKERS=0 runs in one process
TEST_WORKERS ?= 2

test: lint browser
	LIANGSHAN_TEST_DATABASE=sqlite $(BIN)/pytest -n $(TEST_WORKERS)
	LIANGSHAN_TEST_DATABASE=postgres $(BIN)/pytest -n $(TEST_WORKERS)

# the console's browser tests drive Debian's Chromium, with CJK fonts so Chinese renders: installed
# when missing and this is root on Debian; otherwise those tests are skipped (they say so), except
# under CI=true, where they fail
BROWSER_PACKAGES := chromium fonts-wqy-microhei
browser:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing $(BROWSER_PACKAGES) for the browser tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null \
	  || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null; }; \
	else echo "Chromium is missing and cannot be installed here: the browser tests will be skipped"; fi

# build the wheel, install it into a fresh virtualenv outside the checkout, and run the platform from it
wheel-check:
	bash .ci/wheel-check

# Schemathesis against the running app, anonymously and as every kind of user, on SQLite and PostgreSQL
conformance: $(STAMP)
	bash .ci/api-conformance

# vendor Swagger UI for the API docs page (no CDN): the files the page loads, their licences, and a
# checksum file that the tests hold them to; `make swagger-ui SWAGGER_UI_VERSION=x.y.z` to upgrade
SWAGGER_UI_VERSION ?= 5.35.0
SWAGGER_UI_FILES := swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE NOTICE swagger-ui-bundle.js.LICENSE.txt
swagger-ui:
	rm -rf api/docs_assets && mkdir api/docs_assets
	cd api/docs_assets && tarball=$$(npm pack --silent swagger-ui-dist@$(SWAGGER_UI_VERSION)) \
	  && tar -xzf $$tarball $(addprefix package/,$(SWAGGER_UI_FILES)) && mv package/* . && rmdir package \
	  && { echo "# swagger-ui-dist $(SWAGGER_UI_VERSION), from the npm registry by \`make swagger-ui\`" \
	       "(npm pack swagger-ui-dist@$(SWAGGER_UI_VERSION)); tarball integrity" \
	       "sha512-$$(openssl dgst -sha512 -binary $$tarball | base64 -w0)"; \
	       sha256sum $(SWAGGER_UI_FILES); } > SHA256SUMS && rm $$tarball

# vendor the console's scripts (no CDN, no Node build): htmx and Alpine's CSP build (it runs without
# eval, so the pages' Content-Security-Policy needs no 'unsafe-eval'), pinned, with their licences,
# and a checksum file that the tests hold them to. Alpine's npm packages ship no licence file: its
# MIT licence (LICENSE-alpinejs.md, from its repository) is kept beside them by hand.
HTMX_VERSION ?= 2.0.11
ALPINE_VERSION ?= 3.17.4
CONSOLE_VENDOR := api/console/static/vendor
console-vendor:
	cd $(CONSOLE_VENDOR) && rm -f htmx.min.js LICENSE-htmx alpine-csp.min.js SHA256SUMS \
	  && htmx=$$(npm pack --silent htmx.org@$(HTMX_VERSION)) && alpine=$$(npm pack --silent @alpinejs/csp@$(ALPINE_VERSION)) \
	  && tar -xzf $$htmx package/dist/htmx.min.js package/LICENSE \
	  && mv package/dist/htmx.min.js htmx.min.js && mv package/LICENSE LICENSE-htmx && rm -r package \
	  && tar -xzf $$alpine package/dist/cdn.min.js && mv package/dist/cdn.min.js alpine-csp.min.js && rm -r package \
	  && { echo "# htmx.org $(HTMX_VERSION) and @alpinejs/csp $(ALPINE_VERSION), from the npm registry by" \
	       "\`make console-vendor\`; tarball integrity" \
	       "htmx.org sha512-$$(openssl dgst -sha512 -binary $$htmx | base64 -w0)" \
	       "@alpinejs/csp sha512-$$(openssl dgst -sha512 -binary $$alpine | base64 -w0)"; \
	       sha256sum htmx.min.js LICENSE-htmx alpine-csp.min.js LICENSE-alpinejs.md; } > SHA256SUMS \
	  && rm $$htmx $$alpine

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis build *.so */*.so
