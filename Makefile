# parkit — plain GNU make build.
#
#   make                     build/parkit and build/libparkit.a
#   make check               build and run every suite, installing what they need when it can
#                            (tests/check.sh, tests/packages); SKIPPED suites are named
#   make demo                build and run the flagship jobs with OpenMP only (primes, mandel, heat), then bench --quick
#   make bench               every performance target in one run (bench/targets.sh; bench/README.md)
#   make fuzz-run            the parsers' libFuzzer harnesses, FUZZ_SECONDS each (needs clang)
#   make install PREFIX=/usr/local DESTDIR=
#
# Knobs: OPENMP=1|0  MPI=auto|0|1  GMP=auto|0|1  INIH=auto|0|1  PNG=auto|0|1  SANITIZER=address|undefined|thread
#        CC, CFLAGS (optimisation/debug), LDFLAGS, BUILD (output directory)

PREFIX    ?= /usr/local
BUILD     ?= build
OPENMP    ?= 1
MPI       ?= auto
GMP       ?= auto
INIH      ?= auto
PNG       ?= auto
SANITIZER ?=
CFLAGS    ?= -O2 -g
MPICC     ?= mpicc

# make's built-in CC is "cc"; keep it unless the user chose another.
ifeq ($(origin CC),default)
CC := cc
endif

# ---- optional features --------------------------------------------------
ifeq ($(MPI),auto)
MPI := $(if $(shell command -v $(MPICC) 2>/dev/null),1,0)
endif
ifeq ($(filter $(MPI),0 1),)
$(error MPI must be auto, 0 or 1 (got '$(MPI)'))
endif
ifeq ($(MPI),1)
ifeq ($(shell command -v $(MPICC) 2>/dev/null),)
$(error MPI=1 but '$(MPICC)' was not found: apt-get install openmpi-bin libopenmpi-dev)
endif
CC := $(MPICC)
# What a plain cc needs to link libparkit.a of an MPI build (parkit.pc's Libs.private).
MPI_LIBS := $(shell $(MPICC) --showme:link 2>/dev/null)
endif

# 1 when the compiler finds header $(1), else 0 (for the auto knobs).
have_header = $(shell printf '\043include <$(1)>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo 1 || echo 0)

ifeq ($(GMP),auto)
GMP := $(call have_header,gmp.h)
endif
ifeq ($(filter $(GMP),0 1),)
$(error GMP must be auto, 0 or 1 (got '$(GMP)'))
endif

# libinih reads job files (parkit run JOB.ini); without it parkit run says how to get it.
ifeq ($(INIH),auto)
INIH := $(call have_header,ini.h)
endif
ifeq ($(filter $(INIH),0 1),)
$(error INIH must be auto, 0 or 1 (got '$(INIH)'))
endif

# libpng writes parkit mandel's PNG images (with zlib); without it PNG is refused with a message.
ifeq ($(PNG),auto)
PNG := $(call have_header,png.h)
endif
ifeq ($(filter $(PNG),0 1),)
$(error PNG must be auto, 0 or 1 (got '$(PNG)'))
endif

ifeq ($(filter $(OPENMP),0 1),)
$(error OPENMP must be 0 or 1 (got '$(OPENMP)'))
endif

ifneq ($(SANITIZER),)
ifeq ($(filter $(SANITIZER),address undefined thread),)
$(error SANITIZER must be address, undefined or thread (got '$(SANITIZER)'))
endif
SAN_FLAGS := -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

PK_CPPFLAGS := -Iinclude -Isrc -D_GNU_SOURCE -DPK_HAVE_MPI=$(MPI) -DPK_HAVE_GMP=$(GMP) -DPK_HAVE_INIH=$(INIH) -DPK_HAVE_PNG=$(PNG)
# No fused multiply-adds: every SIMD path of a floating-point kernel (mandel, heat) must give the same bits;
# -fopenmp-simd honours `#pragma omp simd` even in a build without OpenMP.
PK_CFLAGS   := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -ffp-contract=off -fopenmp-simd -pthread -MMD -MP $(SAN_FLAGS)
PK_LDLIBS   := -lm
ifeq ($(OPENMP),1)
PK_CFLAGS += -fopenmp
endif
ifeq ($(GMP),1)
PK_LDLIBS += -lgmp
endif
ifeq ($(INIH),1)
PK_LDLIBS += -linih
endif
ifeq ($(PNG),1)
PK_LDLIBS += -lpng -lz
endif

ALL_CFLAGS := $(PK_CPPFLAGS) $(PK_CFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(PK_CFLAGS) $(LDFLAGS)

# ---- sources --------------------------------------------------------------
LIB_SRCS  := $(sort $(wildcard src/core/*.c src/par/*.c src/io/*.c src/job/*.c src/kernels/*/*.c))
CLI_SRCS  := $(sort $(wildcard src/cli/*.c))
TEST_SRCS := $(sort $(wildcard tests/unit/*.c))

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
# The shared library's own objects, position-independent; parkit and
# libparkit.a keep the faster position-dependent code.
PIC_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/pic/%.o)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/obj/%.o)

# The version (semantic) is the headers': parkit/version.h.
VERSION := $(shell sed -n 's/^\#define PK_VERSION "\(.*\)"/\1/p' include/parkit/version.h)
MAJOR   := $(firstword $(subst ., ,$(VERSION)))

LIB    := $(BUILD)/libparkit.a
SHLIB  := $(BUILD)/libparkit.so.$(VERSION)
BIN    := $(BUILD)/parkit
RUNNER := $(BUILD)/unit-tests

REVISION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

.PHONY: all check check-deps unit-tests cli-tests mpi-tests hosts-tests slurm-tests slurm-nodes-tests install-tests demo bench install uninstall clean fuzz fuzz-run
all: $(BIN) $(LIB) $(SHLIB)

# Objects are rebuilt whenever the flags change: the stamp file holds them.
CONFIG_LINE := $(CC) $(ALL_CFLAGS) | $(ALL_LDFLAGS) | $(PK_LDLIBS)
$(BUILD)/config.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(CONFIG_LINE)' | cmp -s - $@ || echo '$(CONFIG_LINE)' > $@

# The revision is baked into build_info.o only; rebuild it when HEAD moves.
$(BUILD)/revision.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(REVISION)' | cmp -s - $@ || echo '$(REVISION)' > $@

$(BUILD)/obj/%.o: %.c $(BUILD)/config.stamp
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/obj/src/core/build_info.o: $(BUILD)/revision.stamp
$(BUILD)/obj/src/core/build_info.o $(BUILD)/pic/src/core/build_info.o: ALL_CFLAGS += \
	-DPK_BUILD_COMPILER='"$(CC) $(shell $(CC) -dumpfullversion 2>/dev/null)"' \
	-DPK_BUILD_FLAGS='"$(strip $(PK_CFLAGS) $(CFLAGS))"' \
	-DPK_BUILD_REVISION='"$(REVISION)"'

# The shared library records what it needs (MPI, GMP, libgomp ...), so a
# program links it with plain cc and pkg-config --libs parkit.
$(SHLIB): $(PIC_OBJS)
	$(CC) -shared -Wl,-soname,libparkit.so.$(MAJOR) $(ALL_LDFLAGS) -o $@ $(PIC_OBJS) $(PK_LDLIBS)

$(BUILD)/pic/%.o: %.c $(BUILD)/config.stamp
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -c $< -o $@

$(BUILD)/pic/src/core/build_info.o: $(BUILD)/revision.stamp

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJS) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(PK_LDLIBS)

# ---- tests ----------------------------------------------------------------
# CUnit is needed only by the tests.  Install it when we can, else say how.
check-deps:
	@if ! printf '\043include <CUnit/Basic.h>\n' | $(CC) -E -x c - >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "make check: installing CUnit (libcunit1-dev) with apt-get"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q libcunit1-dev >/dev/null || \
	      { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libcunit1-dev >/dev/null; } || \
	      { echo "make check: could not install CUnit; run: apt-get install libcunit1-dev" >&2; exit 1; }; \
	  else \
	    echo "make check: CUnit is missing; run: sudo apt-get install libcunit1-dev" >&2; exit 1; \
	  fi; \
	fi

$(RUNNER): $(TEST_OBJS) $(LIB) | check-deps
	$(CC) $(ALL_LDFLAGS) -o $@ $(TEST_OBJS) $(LIB) -lcunit $(PK_LDLIBS)

$(TEST_OBJS): | check-deps

unit-tests: $(RUNNER)
	$(RUNNER)

cli-tests: $(BIN)
	tests/cli/run.sh $(BIN)

# The MPI engine against the sequential one, with real mpirun (MPI builds only).
mpi-tests: $(BIN) $(RUNNER)
ifeq ($(MPI),1)
	tests/mpi/run.sh $(BIN)
else
	@if [ "$$CI" = true ]; then echo "make check: built without MPI: in CI a skipped test is a failure" >&2; exit 1; fi
	@echo "make check: built without MPI, SKIPPED tests/mpi (apt-get install openmpi-bin libopenmpi-dev)"
endif

# The batch scripts in slurm/ as real sbatch jobs on a throw-away single-node
# Slurm cluster on localhost (needs root and: apt-get install slurm-wlm munge libpmix2).
slurm-tests: $(BIN)
	tests/slurm/run.sh $(BIN)

# Ranks on three hosts made of network namespaces, over TCP (needs root,
# iproute2 and an MPI build): tests/hosts/run.sh.
hosts-tests: $(BIN)
	tests/hosts/run.sh $(BIN)

# The scripts in slurm/ on a cluster of three nodes, each a host of network
# namespaces with its own slurmd (needs root, Slurm, an MPI build, iproute2).
slurm-nodes-tests: $(BIN)
	tests/slurm/multinode.sh $(BIN)

# The installed library with a plain cc and pkg-config, shared and static.
install-tests: all
	tests/install.sh $(BUILD)

# Every suite, after installing what they need when it can (tests/deps.sh,
# tests/packages); ends with a summary that names every SKIPPED suite.
check:
	@tests/check.sh "$(MAKE)" "$(BUILD)"

# libFuzzer harnesses of the parsers (tests/fuzz/), built with clang against
# a library of their own (no MPI, no OpenMP: the parsers need neither).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
fuzz:
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz: $(FUZZ_CC) not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) MPI=0 OPENMP=0 GMP=0 PNG=0 \
	  CFLAGS='-O1 -g $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link' $(FUZZ_BUILD)/libparkit.a
	$(FUZZ_CC) -Iinclude -Isrc -D_GNU_SOURCE -std=c11 -O1 -g $(FUZZ_FLAGS) -fsanitize=fuzzer \
	  -o $(FUZZ_BUILD)/fuzz-numexpr tests/fuzz/fuzz_numexpr.c $(FUZZ_BUILD)/libparkit.a -lm
	$(FUZZ_CC) -Iinclude -Isrc -D_GNU_SOURCE -std=c11 -O1 -g $(FUZZ_FLAGS) -fsanitize=fuzzer \
	  -o $(FUZZ_BUILD)/fuzz-jobfile tests/fuzz/fuzz_jobfile.c $(FUZZ_BUILD)/libparkit.a -linih -lm

fuzz-run: fuzz
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# ---- demo and bench -------------------------------------------------------
# The demo needs nothing but gcc and make: OpenMP on, MPI off.
DEMO_BIN := $(BUILD)/demo/parkit
demo:
	@$(MAKE) --no-print-directory MPI=0 OPENMP=1 BUILD=$(BUILD)/demo $(DEMO_BIN)
	@echo; echo '$$ parkit info'; $(DEMO_BIN) info
	@echo; echo '$$ parkit primes count 1e9 --time'; $(DEMO_BIN) primes count 1e9 --time
	@echo; echo '$$ parkit primes count 1e9 --twins --time'; $(DEMO_BIN) primes count 1e9 --twins --time
	@echo; echo '$$ parkit primes count 1e9 --threads 1 --time'; $(DEMO_BIN) primes count 1e9 --threads 1 --time
	@echo; echo '$$ parkit primes list 1e12 1e12+100'; $(DEMO_BIN) primes list 1e12 1e12+100
	@echo; echo '$$ parkit primes check 561 2^61-1 3825123056546413051 2^64-59'; \
	  $(DEMO_BIN) primes check 561 2^61-1 3825123056546413051 2^64-59
	@echo; echo '$$ parkit primes nth 1e8 --time'; $(DEMO_BIN) primes nth 1e8 --time
	@echo; echo '$$ parkit primes test -q'; $(DEMO_BIN) primes test -q
	@echo; echo '# rows through the set cost 1000x the others: a static schedule leaves a thread idle'
	@for schedule in static dynamic; do \
	  echo '$$ parkit mandel --size 1280x720 --center -0.7435,0.1314 --zoom 200 --iterations 2000 --schedule '$$schedule' -o $(BUILD)/demo/seahorse.ppm --time'; \
	  $(DEMO_BIN) mandel --size 1280x720 --center -0.7435,0.1314 --zoom 200 --iterations 2000 --schedule $$schedule \
	    -o $(BUILD)/demo/seahorse.ppm --time || exit 1; done
	@echo; echo '$$ parkit heat --size 512 --steps 5000 --init sine --time'; \
	  $(DEMO_BIN) heat --size 512 --steps 5000 --init sine --time
	@echo; echo '$$ parkit heat --size 4096 --steps 64 --time-block 8 --time   # past the memory bandwidth'; \
	  $(DEMO_BIN) heat --size 4096 --steps 64 --time-block 8 --time
	@echo; echo '# every kernel on 1 and all threads: speedup, efficiency, memory, a cost model (docs/cost-model.md)'
	@echo '$$ parkit bench --quick -o $(BUILD)/demo/bench'; $(DEMO_BIN) bench --quick -o $(BUILD)/demo/bench

# Every performance target of the project in one run (bench/README.md):
# parkit against primesieve, and primality against FLINT when libflint-dev is there.
bench: all
	bench/targets.sh $(BIN)

# bench/io.sh's reference: check's compute alone, numbers already in memory.
$(BUILD)/check-compute-only: bench/check_compute_only.c $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(PK_LDLIBS)

# bench/mandel.sh's reference: the textbook loop, scalar, OpenMP schedule(dynamic).
$(BUILD)/mandel-textbook: bench/mandel_textbook.c
	$(CC) -std=c11 -O2 -fopenmp -ffp-contract=off -o $@ $<

# bench/mandel.sh's measure of PNG compression alone (parkit's own bands, one thread).
$(BUILD)/png-deflate: bench/png_deflate.c $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(PK_LDLIBS)

# bench/heat.sh's reference: this machine's memory bandwidth (a STREAM-style triad).
$(BUILD)/triad: bench/triad.c
	$(CC) -std=c11 -O2 -fopenmp -o $@ $<

# FLINT is for this benchmark only, never a dependency of parkit itself.
$(BUILD)/primality-vs-flint: bench/primality_vs_flint.c $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) -lflint $(PK_LDLIBS)

# ---- install --------------------------------------------------------------
PUBLIC_HEADERS := $(wildcard include/parkit/*.h)
# The manual page, from the binary's own --help texts.
$(BUILD)/parkit.1: $(BIN) docs/manpage.sh
	docs/manpage.sh $(BIN) $(VERSION) > $@.tmp && mv $@.tmp $@

install: all $(BUILD)/parkit.1
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/parkit
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(BUILD)/parkit.1 $(DESTDIR)$(PREFIX)/share/man/man1/parkit.1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/parkit
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libparkit.a
	install -m 755 $(SHLIB) $(DESTDIR)$(PREFIX)/lib/libparkit.so.$(VERSION)
	ln -sf libparkit.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libparkit.so.$(MAJOR)
	ln -sf libparkit.so.$(MAJOR) $(DESTDIR)$(PREFIX)/lib/libparkit.so
	install -m 644 $(PUBLIC_HEADERS) $(DESTDIR)$(PREFIX)/include/parkit/
	install -d $(DESTDIR)$(PREFIX)/share/parkit/jobs
	install -m 644 jobs/README.md jobs/*.ini jobs/numbers.txt $(DESTDIR)$(PREFIX)/share/parkit/jobs/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@LIBS_PRIVATE@|$(strip $(if $(filter 1,$(OPENMP)),-fopenmp) -pthread $(PK_LDLIBS) $(MPI_LIBS))|' \
	    parkit.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/parkit.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/parkit $(DESTDIR)$(PREFIX)/lib/libparkit.a \
	      $(DESTDIR)$(PREFIX)/lib/libparkit.so $(DESTDIR)$(PREFIX)/lib/libparkit.so.$(MAJOR) \
	      $(DESTDIR)$(PREFIX)/lib/libparkit.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/pkgconfig/parkit.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/parkit $(DESTDIR)$(PREFIX)/share/parkit
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/parkit.1

clean:
	rm -rf $(BUILD)

FORCE:

-include $(LIB_OBJS:.o=.d) $(PIC_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(TEST_OBJS:.o=.d)
