#!/bin/sh
# The manual page, parkit.1, made from the binary's own --help texts, so it
# says what the binary does (make $(BUILD)/parkit.1; make install puts it in
# PREFIX/share/man/man1).
#
#   docs/manpage.sh path/to/parkit VERSION > parkit.1
set -eu
P=${1:?usage: docs/manpage.sh path/to/parkit VERSION}
VERSION=${2:?usage: docs/manpage.sh path/to/parkit VERSION}

# Text as troff shows it verbatim: backslashes escaped, no line read as a request.
verbatim() {
    printf '.nf\n'
    sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
    printf '.fi\n'
}

# help ARGS...: a command's --help, which must succeed.
help() { "$P" "$@" --help; }

cat <<EOF2
.TH PARKIT 1 "" "parkit $VERSION" "User Commands"
.SH NAME
parkit \\- CPU-bound parallel kernels on threads, MPI ranks or both: primes, Mandelbrot images, heat diffusion
.SH SYNOPSIS
EOF2
help | verbatim
printf '.SH DESCRIPTION\n'
printf 'Every kernel runs sequentially, on OpenMP threads, on MPI ranks under \\fBmpirun\\fR, or on both, with the same answer bit for bit, and reports what each model cost (\\fB\\-\\-time\\fR, \\fB\\-\\-json\\fR).\n'
printf '.SH COMMANDS\n'
for command in count list check nth test; do
    printf '.SS parkit primes %s\n' "$command"
    help primes "$command" | verbatim
done
for command in mandel heat run bench info; do
    printf '.SS parkit %s\n' "$command"
    help "$command" | verbatim
done
cat <<EOF2
.SH EXIT STATUS
0 success; 1 the run failed (I/O, memory, bad data in a file, a failed self-check); 2 the command
line or a job file is wrong; 75 stopped by SIGTERM or SIGUSR1 after saving a checkpoint (run again
with \\fB\\-\\-resume\\fR); 130 interrupted.
.SH ENVIRONMENT
.TP
.B OMP_NUM_THREADS, SLURM_CPUS_PER_TASK
threads, when \\fB\\-\\-threads\\fR is not given (then the CPUs of the affinity mask)
.TP
.B OMP_PROC_BIND, OMP_PLACES
where the threads run (\\fBparkit info\\fR shows it)
.SH FILES
.TP
.I PREFIX/share/parkit/jobs
job files for \\fBparkit run\\fR, with their README
.SH SEE ALSO
.BR mpirun (1),
.BR sbatch (1)
EOF2
