# sharehub — the two commands a new user needs are `make run` and `make test`.
# Without DATABASE_URL both start (and reuse) a local PostgreSQL cluster under .data/:
# .data/pg-run for run, .data/pg-test for tests (fsync off), never the same one.

GO        ?= go
PGDEV     := $(GO) run ./cmd/pgdev
RUN_DB    := .data/pg-run
TEST_DB   := .data/pg-test
# Short fuzz runs in `make test` (a count, not a time: Go 1.26's fuzz coordinator can
# fail spuriously at a time limit, golang/go#75804); `make fuzz FUZZTIME=5m` for long ones.
FUZZTIME  ?= 2000x
FUZZ_TARGETS := $(shell grep -rl --include='*_test.go' '^func Fuzz' . 2>/dev/null | xargs -r dirname | sort -u)

.PHONY: run test test-short test-go fuzz lint browser bench load faults isolation db-stop db-url clean

# serve migrates as the owner (MIGRATE_DATABASE_URL) and serves as sharehub_serve, a
# login role that is only a member of sharehub_app (DATABASE_URL). A DATABASE_URL
# given alone serves for both (serve then acts as sharehub_app with SET ROLE).
run:
	@if [ -n "$$DATABASE_URL" ]; then murl="$${MIGRATE_DATABASE_URL:-}"; url="$$DATABASE_URL"; \
	else murl="$$($(PGDEV) up --dir $(RUN_DB))" && url="$$($(PGDEV) url --role app --dir $(RUN_DB))"; fi && \
	MIGRATE_DATABASE_URL="$$murl" DATABASE_URL="$$url" $(GO) run ./cmd/sharehub serve

test: lint browser test-go fuzz

# The browser tests (httpapi/browsertest) drive headless Chromium. Like pgdev for
# PostgreSQL: when it is missing and we are root with apt-get (CI, a container),
# install Debian's chromium (SHAREHUB_NO_INSTALL=1 prevents it); otherwise say so,
# and the browser tests skip (or fail under CI=true).
browser:
	@if [ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && [ -z "$$SHAREHUB_NO_INSTALL" ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "browser: chromium not found; installing Debian's chromium package" >&2; \
	  DEBIAN_FRONTEND=noninteractive apt-get update >&2 && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2; \
	else echo "browser: chromium not found and not installable here (apt-get install chromium, or set CHROMIUM_PATH); browser tests will skip (fail under CI=true)" >&2; fi

# The short tier: pure tests only (domain, codecs, handlers on recorders), no
# PostgreSQL and no server (eventstore/pgtest skips every database test under -short).
test-short:
	$(GO) test -short -count=1 ./...

# Tests need the owner's URL (they create a database each); the ones that run serve
# give it a login role in sharehub_app of their own (pgtest.AppRoleURL).
test-go:
	@url="$${DATABASE_URL:-$$($(PGDEV) up --dir $(TEST_DB) --fast)}" && \
	DATABASE_URL="$$url" $(GO) test -race -count=1 -timeout 25m ./...

# Every Fuzz target runs for FUZZTIME on its committed seed corpus and beyond.
fuzz:
	@url="$${DATABASE_URL:-$$($(PGDEV) up --dir $(TEST_DB) --fast)}" && \
	for dir in $(FUZZ_TARGETS); do \
	  for target in $$(grep -h '^func Fuzz' $$dir/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
	    echo "fuzz $$dir $$target ($(FUZZTIME))"; \
	    DATABASE_URL="$$url" $(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) $$dir || exit 1; \
	  done; \
	done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@leak=$$($(GO) list -deps ./domain/... | grep -E 'jackc/pgx|ThreeDotsLabs/watermill|go-chi/chi|sharehub/(eventstore|projections|httpapi|cmd|migrations)' || true); \
	  if [ -n "$$leak" ]; then echo "domain/ must not import infrastructure:"; echo "$$leak"; exit 1; fi
	@# Checkpoints are eventstore.Checkpoints' (issue 14 §2); tests (which read
	@# the table to check it) and migrations (which create it) excepted.
	@bad=$$(grep -rl --include='*.go' --exclude='*_test.go' --exclude-dir=.data --exclude-dir=.git 'event_offsets' . | grep -vx './eventstore/checkpoint.go' || true); \
	  if [ -n "$$bad" ]; then echo "only eventstore/checkpoint.go may name event_offsets (use eventstore.Checkpoints):"; echo "$$bad"; exit 1; fi
	@# projections get their pool from the wiring in cmd, never from the store.
	@bad=$$(grep -rn --include='*.go' -E '\.Pool\(\)' projections/ || true); \
	  if [ -n "$$bad" ]; then echo "projections must not take the store's pool (Runner.Pool, a pool parameter):"; echo "$$bad"; exit 1; fi
	@# The bulk loader can drop the events table's constraints: benchmarks only.
	@bad=$$(grep -rl --include='*.go' --exclude-dir=.data '"github.com/sharehub/sharehub/eventstore/bulkload"' . | grep -v -e '^./cmd/shbench/' -e '^./eventstore/bulk_test.go$$' || true); \
	  if [ -n "$$bad" ]; then echo "only cmd/shbench may import eventstore/bulkload:"; echo "$$bad"; exit 1; fi
	@leak=$$($(GO) list -deps ./httpapi/... | grep -E '^github.com/sharehub/sharehub/projections(/|$$)' || true); \
	  if [ -n "$$leak" ]; then echo "httpapi must reach the read models only through the query layer's interfaces (domain/app/query), wired in cmd:"; echo "$$leak"; exit 1; fi
	@# Side tables (issue 14 §2): each named in SQL only where it is kept today,
	@# so that no further package starts writing or reading it (tests and
	@# migrations excepted). Not yet one owner each: the append still inserts the
	@# idempotency and outbox rows (README "Side tables").
	@fail=0; for rule in \
	  'claims:^./eventstore/' \
	  'credentials:^./eventstore/|^./httpapi/auth/' \
	  'idempotency_keys:^./eventstore/store.go$$|^./httpapi/idempotency/' \
	  'outbox_mail:^./eventstore/store.go$$|^./projections/mailer/'; do \
	  table=$${rule%%:*}; owners=$${rule#*:}; \
	  bad=$$(grep -rlE --include='*.go' --exclude='*_test.go' --exclude-dir=.data --exclude-dir=.git "(FROM|INTO|UPDATE|JOIN|TABLE)[[:space:]]+(public\.)?$$table\b" . | grep -vE "$$owners" || true); \
	  if [ -n "$$bad" ]; then echo "only $$owners may name the side table $$table in SQL:"; echo "$$bad"; fail=1; fi; \
	done; [ $$fail = 0 ]
	@echo "lint ok"

bench:
	@url="$${DATABASE_URL:-$$($(PGDEV) up --dir $(TEST_DB) --fast)}" && \
	DATABASE_URL="$$url" $(GO) run ./cmd/shbench

faults:
	@url="$${DATABASE_URL:-$$($(PGDEV) up --dir $(TEST_DB) --fast)}" && DATABASE_URL="$$url" $(GO) run ./cmd/shfaults $(FAULTSFLAGS)

# Tenant isolation at scale: 52 companies, every probe of every world's matrix as
# every world's admin, member and portal users (TestIsolationAtScale).
isolation:
	@url="$${DATABASE_URL:-$$($(PGDEV) up --dir $(TEST_DB) --fast)}" && \
	DATABASE_URL="$$url" SHAREHUB_ISOLATION_COMPANIES=50 $(GO) test -count=1 -timeout 20m -run '^TestIsolationAtScale$$' -v ./httpapi/

# The load harness: a mixed workload against an in-process server; LOADFLAGS="-duration 10s -rate 100".
load:
	@url="$${DATABASE_URL:-$$($(PGDEV) up --dir $(TEST_DB) --fast)}" && \
	DATABASE_URL="$$url" $(GO) run ./cmd/shload $(LOADFLAGS)

db-url:
	@$(PGDEV) url --dir $(RUN_DB)

db-stop:
	@$(PGDEV) stop --dir $(RUN_DB)
	@$(PGDEV) stop --dir $(TEST_DB)

clean: db-stop
	rm -rf .data
