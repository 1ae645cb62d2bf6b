# lieblr — `make` builds build/blr; `make run` / `make test` also install missing Debian
# packages and fetch data first (scripts/setup.sh, scripts/fetch-data.sh).
#   make SAN=1 test   ASan + UBSan build under build/san
#   make CI=true ...  warnings are errors (what .ci/run does)

CC      ?= cc
PREFIX  ?= /usr/local
SAN     ?= 0
PKGS    := gsl yaml-0.1 zlib openblas

ifeq ($(SAN),1)
BUILD   := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     := -O1 -g
else
BUILD   := build
SANFLAGS :=
OPT     := -O2 -g
endif

# OpenBLAS's OpenMP build (libopenblas-openmp-dev), found through its own pkg-config
# directory and pinned by rpath (the system's libopenblas.so.0 is whichever variant the
# alternatives system prefers): its GEMMs and our parallel passes then share one OpenMP
# thread pool, where the pthread build's pool and OpenMP's would spin against each other.
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)
PKG_CONFIG := PKG_CONFIG_PATH=/usr/lib/$(MULTIARCH)/openblas-openmp/pkgconfig pkg-config
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# GSL's own CBLAS is left out: OpenBLAS provides the cblas_* symbols GSL calls.
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs openblas yaml-0.1 zlib 2>/dev/null) -lgsl -lm -lpthread \
              -Wl,-rpath,$(shell $(PKG_CONFIG) --variable=libdir openblas 2>/dev/null)

CFLAGS  ?= $(OPT)
# -fno-math-errno: no libm call here reads errno, and it lets sqrtf vectorize.
# -fopenmp: the elementwise passes (random fills, updates) split their blocks over threads.
CFLAGS  += -std=c11 -fopenmp -fno-math-errno -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic $(LIB_INCLUDES) $(PKG_CFLAGS) $(SANFLAGS)
ifeq ($(CI),true)
CFLAGS  += -Werror
endif
LDFLAGS += -fopenmp $(SANFLAGS)

# lib/ in layers, each a folder (lib/README.md): a header is included by its name alone.
LIB_LAYERS := prob method nn io report run
LIB_INCLUDES := -Ilib $(addprefix -Ilib/,$(LIB_LAYERS)) -Ibaselines
LIB_HEADERS := $(wildcard lib/*.h lib/*/*.h baselines/*.h)
LIB_SRC  := $(wildcard lib/*/*.c) $(wildcard baselines/*.c)
LIB_SRC  := $(filter-out baselines/TEMPLATE.c,$(LIB_SRC))
LIB_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
CLI_SRC  := $(wildcard cli/*.c)
CLI_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRC))
TEST_SRC := $(wildcard tests/test_*.c)
TEST_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SRC))
LIBBLR   := $(BUILD)/libblr.a
BLR      := $(BUILD)/blr
# The objects a test binary links; a developer may narrow it while other modules are in flux.
TEST_LINK ?= $(LIBBLR)
# Tests count the heap allocations of library code (tests/alloc_count.c).
TEST_LDFLAGS := -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc
ALLOC_COUNT := $(BUILD)/tests/alloc_count.o
# The end-to-end tests' harness (running blr, comparing results directories).
CLI_HARNESS := $(BUILD)/tests/cli_harness.o
# The fuzz harnesses' bodies (tests/fuzz/): the test suite replays their corpora through them.
FUZZ_BODY_SRC := $(filter-out tests/fuzz/entry.c,$(wildcard tests/fuzz/*.c))
FUZZ_BODY_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(FUZZ_BODY_SRC))

.PHONY: all run test fuzz bench paper paper-authors sweeps tune tables reports install clean setup \
        data FORCE
all: $(BLR)

$(BUILD)/%.o: %.c $(LIB_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The commit (with -dirty for uncommitted changes) and flags go into manifest.json.
GIT_COMMIT := $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
$(BUILD)/cli/version.o: cli/version.c FORCE
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DBLR_GIT_COMMIT='"$(GIT_COMMIT)"' -DBLR_CFLAGS='"$(CFLAGS)"' -c $< -o $@
FORCE:

$(LIBBLR): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The MPI engine of `blr run --mpi` (cli/mpi_engine.c) is built when OpenMPI's mpicc is there
# (scripts/setup.sh installs it); without it, --mpi says so.
MPICC := $(shell command -v mpicc 2>/dev/null)
ifneq ($(MPICC),)
MPI_CFLAGS := -DBLR_HAVE_MPI $(patsubst -I%,-isystem %,$(shell mpicc --showme:compile))
MPI_LIBS   := $(shell mpicc --showme:link)
endif
$(BUILD)/cli/mpi_engine.o: cli/mpi_engine.c cli/mpi_engine.h $(LIB_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(MPI_CFLAGS) -MMD -MP -c $< -o $@

# Where an installed blr finds its gnuplot programs (lib/report/plot_gnuplot.c says where else).
$(BUILD)/lib/report/plot_gnuplot.o: CFLAGS += -DBLR_PLOTS_INSTALL_DIR='"$(PREFIX)/share/lieblr/plots"'

$(BLR): $(CLI_OBJ) $(LIBBLR)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIBBLR) $(PKG_LIBS) $(MPI_LIBS)

# One Criterion binary holds every test file, so a run ends in one synthesis line.
$(BUILD)/tests/blr_tests: $(TEST_OBJ) $(ALLOC_COUNT) $(CLI_HARNESS) $(FUZZ_BODY_OBJ) $(LIBBLR)
	$(CC) $(LDFLAGS) $(TEST_LDFLAGS) -o $@ $(TEST_OBJ) $(ALLOC_COUNT) $(CLI_HARNESS) $(FUZZ_BODY_OBJ) $(TEST_LINK) $(PKG_LIBS) -lcriterion

# A single test file on its own: make build/tests/test_base
$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(ALLOC_COUNT) $(CLI_HARNESS) $(FUZZ_BODY_OBJ) $(TEST_LINK)
	$(CC) $(LDFLAGS) $(TEST_LDFLAGS) -o $@ $< $(ALLOC_COUNT) $(CLI_HARNESS) $(FUZZ_BODY_OBJ) $(TEST_LINK) $(PKG_LIBS) -lcriterion

setup:
	@bash scripts/setup.sh

data: setup
	@bash scripts/fetch-data.sh

run: data
	@$(MAKE) --no-print-directory all
	$(BLR) run experiments/quick.yaml

# TEMPLATE.c is compiled (not linked) so the starting point for new methods keeps building.
test: data
	@$(MAKE) --no-print-directory $(BLR) $(BUILD)/tests/blr_tests $(BUILD)/baselines/TEMPLATE.o
	BLR_BIN=$(BLR) LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    $(BUILD)/tests/blr_tests -j2

# libFuzzer harnesses for the loaders of untrusted files (tests/fuzz/README.md), built by clang
# with ASan + UBSan under build/fuzz. The whole library is built: the experiment loader reaches
# the model, rule and method registries; clang's -fopenmp brings libomp beside OpenBLAS's
# libgomp, harmless here since no loader enters a parallel region. Each harness runs
# FUZZ_SECONDS, one at a time, over a scratch copy of its committed corpus, so new inputs do
# not pollute tests/fuzz/corpus/; crash, leak and timeout inputs land in build/fuzz/crashes/
# and fail the target. clang is installed here, not by `make test`'s set-up (gcc only).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
FUZZ_NAMES   := yaml csv idx
FUZZ_DIR     := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g $(filter-out $(OPT) $(SANFLAGS),$(CFLAGS)) $(FUZZ_SAN)
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_DIR)/%.o,$(LIB_SRC))
FUZZ_BODY_FOBJ := $(patsubst %.c,$(FUZZ_DIR)/%.o,$(FUZZ_BODY_SRC))
FUZZ_BINS    := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_NAMES))

$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -c $< -o $@

# Kept, not removed as intermediates of the pattern chain: a rebuild recompiles only changes.
.SECONDARY: $(FUZZ_BODY_FOBJ)
$(FUZZ_DIR)/libblr.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/entry.c $(FUZZ_BODY_FOBJ) $(FUZZ_DIR)/libblr.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DBLR_FUZZ_TARGET=blr_fuzz_$* -o $@ $< \
	    $(FUZZ_BODY_FOBJ) $(FUZZ_DIR)/libblr.a $(PKG_LIBS)

# -timeout: a loader that spends seconds on a few KB is a finding too. -max_len: room for
# whole experiment files (libFuzzer would otherwise stop at the largest seed's length).
fuzz:
	@bash scripts/setup.sh
	@bash scripts/setup.sh clang libclang-rt-14-dev libomp-14-dev
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@rm -rf $(FUZZ_DIR)/corpus $(FUZZ_DIR)/crashes && mkdir -p $(FUZZ_DIR)/crashes
	@status=0; for n in $(FUZZ_NAMES); do \
	    mkdir -p $(FUZZ_DIR)/corpus/$$n || exit 1; \
	    cp tests/fuzz/corpus/$$n/* $(FUZZ_DIR)/corpus/$$n/ || exit 1; \
	    echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
	    $(FUZZ_DIR)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
	        -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/crashes/$$n- $(FUZZ_FLAGS) \
	        $(FUZZ_DIR)/corpus/$$n || status=1; \
	done; \
	if [ $$status -ne 0 ] || [ -n "$$(ls -A $(FUZZ_DIR)/crashes)" ]; then \
	    echo "fuzz: failed; inputs in $(FUZZ_DIR)/crashes/ (next: tests/fuzz/README.md)" >&2; \
	    ls -l $(FUZZ_DIR)/crashes >&2; exit 1; fi

# The reference timings (results/bench/): every method x batch x MC samples, sampling rates,
# the sgemm bound, and a figure. The README's performance section quotes them.
bench: all
	$(BLR) bench --suite results/bench

# The paper suite (results/README.md): the committed results/<name>/ directories, and
# results/paper-times.csv with the wall time of each experiment. Two suites: PAPER at the
# settings tuned here, PAPER_AUTHORS at the paper's authors' settings with the two sweeps that
# explain the differences (`make paper-authors` runs only those). RESUME=1 continues an
# interrupted suite (scripts/suite.sh).
PAPER := table1-mlp filters ablation-q0 table1-cnn table2-cnn
# The tunings first: sweep-mc-authors.yaml and table2-cnn-authors.yaml use what they chose
# (tune-table2-authors-wider is tune-table2-authors' second round).
PAPER_AUTHORS := tune-mc1-authors tune-table2-authors tune-table2-authors-wider \
                 table1-mlp-authors ablation-q0-authors sweep-lr2-authors table1-cnn-authors \
                 table2-cnn-authors sweep-mc-authors temperature-authors
RESUME ?= 0
paper: data
	@$(MAKE) --no-print-directory all
	RESUME=$(RESUME) bash scripts/suite.sh $(BLR) paper $(PAPER)
	@$(MAKE) --no-print-directory paper-authors

paper-authors: data
	@$(MAKE) --no-print-directory all
	RESUME=$(RESUME) bash scripts/suite.sh $(BLR) paper $(PAPER_AUTHORS)
	@$(MAKE) --no-print-directory sweeps

# The sweeps' figures (plots/sweep.gp) and the tunings' choices.
sweeps:
	@$(MAKE) --no-print-directory all
	for t in tune-mc1-authors tune-table2-authors; do \
	    $(BLR) tune --choose results/$$t || exit 1; done
	$(BLR) tune --choose results/tune-table2-authors results/tune-table2-authors-wider
	gnuplot -c plots/sweep.gp results/sweep-mc-authors mc_train lr "" \
	    "acc nll ece bayes_nll bayes_ece invalid_updates" log2
	gnuplot -c plots/sweep.gp results/sweep-lr2-authors lr2 rule "" \
	    "posterior_sd_median nll ece bayes_nll bayes_ece ood_auroc" log10

# Step-size tuning on validation splits (docs/design.md §7); results/tune-*/choice.md says
# what won (tune-cnn-wider is tune-cnn's second round: its choice is over both).
TUNE := tune-mlp tune-ablation tune-cnn tune-cnn-wider
tune: data
	@$(MAKE) --no-print-directory all
	RESUME=$(RESUME) bash scripts/suite.sh $(BLR) tune $(TUNE)
	for t in tune-mlp tune-ablation tune-cnn; do $(BLR) tune --choose results/$$t || exit 1; done
	$(BLR) tune --choose results/tune-cnn results/tune-cnn-wider

# Every committed results directory's summary.csv, table.md, table.tex and README.md, rewritten
# from its runs.csv after a change to how tables are made (committed directories keep no run
# records; the experiment file gives the variants' order and the reference).
RESULT_DIRS := $(patsubst results/%/runs.csv,%,$(wildcard results/*/runs.csv))
reports: all
	for d in $(RESULT_DIRS); do \
	    $(BLR) report results/$$d --experiment experiments/$$d.yaml || exit 1; done

# The tables results/README.md shows, made by `blr table` from the committed directories into
# results/tables/ and spliced into the README between its "generated by make tables" markers.
README_TABLES := table1-mlp-authors:acc,nll,ece,bayes_nll,bayes_ece,ood_auroc \
                 table1-cnn-authors:acc,nll,ece,bayes_nll,bayes_ece,ood_auroc \
                 table1-mlp:acc,nll,ece,bayes_nll,bayes_ece,ood_auroc \
                 sweep-mc-authors:acc,bayes_nll,bayes_ece \
                 table2-cnn-authors:acc,nll,bayes_nll,bayes_ece,ood_auroc
tables: all
	@mkdir -p results/tables
	for t in $(README_TABLES); do d=$${t%%:*}; \
	    $(BLR) table results/$$d --metrics $${t#*:} > results/tables/$$d.md || exit 1; done
	awk -f scripts/splice-tables.awk results/README.md > results/README.md.tmp
	mv results/README.md.tmp results/README.md

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/blr \
	    $(DESTDIR)$(PREFIX)/share/lieblr/plots
	install -m 755 $(BLR) $(DESTDIR)$(PREFIX)/bin/blr
	install -m 644 $(LIBBLR) $(DESTDIR)$(PREFIX)/lib/libblr.a
	install -m 644 $(filter lib/%,$(LIB_HEADERS)) $(DESTDIR)$(PREFIX)/include/blr/
	install -m 644 plots/*.gp $(DESTDIR)$(PREFIX)/share/lieblr/plots/

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
