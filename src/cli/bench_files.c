/*
 * `parkit bench`: its files.  runs.csv holds every run (written as they
 * come; the columns slurm/scaling-study.sbatch writes too, so --from reads
 * either), points.csv and bench.json the summary, machine.json the
 * machine's figures, *.gp the gnuplot scripts of the plots (run here when
 * gnuplot is installed), report.md the table and plots with what they show.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/bench.h"
#include "core/json_fields.h"

static const char csv_header[] = "kernel,scaling,model,ranks,threads,size,repeat,seconds,compute_seconds,comm_seconds,"
                                 "io_seconds,imbalance,rss_kib_per_process,rss_kib_total,answer,validated,units,"
                                 "gather_bytes,nx,ny,steps,bytes_per_update";

void bench_csv_header(FILE *csv)
{
    fprintf(csv, "%s\n", csv_header);
}

FILE *bench_csv_open(const char *path)
{
    FILE *csv = fopen(path, "w");
    if (csv != NULL) {
        bench_csv_header(csv);
        fflush(csv);
    }
    return csv;
}

void bench_csv_row(FILE *csv, const bench_run *r)
{
    fprintf(csv, "%s,%s,%s,%d,%d,%.17g,%d,%.6f,%.6f,%.6f,%.6f,%.4f,%.0f,%.0f,%s,%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f\n",
            r->kernel, bench_scaling_name(r->scaling), bench_model_name(r->model), r->ranks, r->threads, r->size,
            r->repeat, r->seconds, r->compute, r->comm, r->io, r->imbalance, r->rss_kib, r->rss_kib_total, r->answer,
            r->validated ? "yes" : "no", r->units, r->gather_bytes, r->nx, r->ny, r->steps, r->bytes_per_update);
    fflush(csv); /* a row is kept even if the study is stopped */
}

/* ---- reading runs back -------------------------------------------------------------- */

/* Splits a CSV line at commas (no quoting: no field of ours has a comma). */
static int split(char *line, char **fields, int most)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < most;) {
        fields[n++] = p;
        char *comma = strchr(p, ',');
        if (comma == NULL)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

static bool number(const char *text, double *x)
{
    char *end;
    *x = strtod(text, &end);
    return end != text && *end == '\0';
}

static int read_csv(bench_study *study, const char *path, char *why, size_t why_len)
{
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[2048];
    int rc = 0;
    if (fgets(line, sizeof line, in) == NULL || strncmp(line, csv_header, strlen(csv_header)) != 0) {
        fclose(in); /* not a file of runs: points.csv, or someone else's */
        return 0;
    }
    for (int number_of_line = 2; fgets(line, sizeof line, in) != NULL; number_of_line++) {
        char *f[24];
        if (line[0] == '\n')
            continue;
        int n = split(line, f, 24);
        bench_run r = {0};
        double x[22];
        bool ok = n == 22;
        for (int i = 3; ok && i < 22; i++)
            if (i != 14 && i != 15)
                ok = number(f[i], &x[i]);
        int model = -1;
        for (int m = 0; ok && m < BENCH_MODELS; m++)
            if (strcmp(f[2], bench_model_name((bench_model)m)) == 0)
                model = m;
        ok = ok && model >= 0 && (strcmp(f[1], "strong") == 0 || strcmp(f[1], "weak") == 0) && x[3] >= 1 &&
             x[4] >= 1 && x[7] > 0 && strlen(f[0]) < sizeof r.kernel && f[0][0] != '\0';
        if (!ok) {
            snprintf(why, why_len, "%s line %d: not a run (%d fields; expected the 22 columns of its header)", path,
                     number_of_line, n);
            rc = -1;
            break;
        }
        snprintf(r.kernel, sizeof r.kernel, "%s", f[0]);
        r.scaling = strcmp(f[1], "weak") == 0 ? BENCH_WEAK : BENCH_STRONG;
        r.model = (bench_model)model;
        r.ranks = (int)x[3];
        r.threads = (int)x[4];
        r.size = x[5];
        r.repeat = (int)x[6];
        r.seconds = x[7];
        r.compute = x[8];
        r.comm = x[9];
        r.io = x[10];
        r.imbalance = x[11];
        r.rss_kib = x[12];
        r.rss_kib_total = x[13];
        snprintf(r.answer, sizeof r.answer, "%s", f[14]);
        r.validated = strcmp(f[15], "yes") == 0;
        r.units = x[16];
        r.gather_bytes = x[17];
        r.nx = x[18];
        r.ny = x[19];
        r.steps = x[20];
        r.bytes_per_update = x[21];
        if (!bench_study_add(study, &r)) {
            snprintf(why, why_len, "out of memory");
            rc = -1;
            break;
        }
    }
    fclose(in);
    return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static bool ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n > s && strcmp(name + n - s, suffix) == 0;
}

int bench_read_dir(bench_study *study, const char *dir, char *why, size_t why_len)
{
    struct dirent **names;
    int count = scandir(dir, &names, NULL, by_name);
    if (count < 0) {
        snprintf(why, why_len, "%s", strerror(errno));
        return -1;
    }
    int rc = 0;
    char path[4400];
    for (int i = 0; i < count; i++) {
        if (rc == 0 && names[i]->d_name[0] != '.' && ends_with(names[i]->d_name, ".csv")) {
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            rc = read_csv(study, path, why, why_len);
        }
        free(names[i]);
    }
    free(names);
    if (rc == 0 && study->run_count == 0) {
        snprintf(why, why_len, "no runs: no .csv file there starts with the header of parkit bench's runs.csv");
        rc = -1;
    }
    /* The machine's figures, when the study that wrote them measured them. */
    snprintf(path, sizeof path, "%s/machine.json", dir);
    if (rc == 0 && access(path, F_OK) == 0 && !bench_read_machine(path, &study->machine)) {
        snprintf(why, why_len, "%s: not a machine's figures (latency, bandwidth, memory_bandwidth)", path);
        rc = -1;
    }
    return rc;
}

bool bench_read_machine(const char *path, bench_machine *m)
{
    FILE *in = fopen(path, "r");
    if (in == NULL)
        return false;
    char json[2048];
    size_t n = fread(json, 1, sizeof json - 1, in);
    json[n] = '\0';
    fclose(in);
    double x, latency = 0, bandwidth = 0, memory = 0;
    /* A machine.json of a study, or what bench --probe prints: a latency
     * and bandwidth (null when not measured) and a memory bandwidth. */
    if (pk_json_find(json, "latency") == NULL || pk_json_find(json, "bandwidth") == NULL)
        return false;
    if (pk_json_number(json, "latency", &latency) && latency > 0)
        m->latency = latency;
    if (pk_json_number(json, "bandwidth", &bandwidth) && bandwidth > 0)
        m->bandwidth = bandwidth;
    if (pk_json_number(json, "memory_bandwidth", &memory) && memory > 0)
        m->memory_bandwidth = memory;
    if (pk_json_number(json, "cpus", &x))
        m->cpus = (int)x;
    if (pk_json_number(json, "triad_threads", &x))
        m->triad_threads = (int)x;
    pk_json_string(json, "mpi", m->mpi, sizeof m->mpi);
    return true;
}

/* ---- writing ------------------------------------------------------------------------- */

/* A file written under a temporary name and renamed into place. */
typedef struct out_file {
    FILE *f;
    char path[4400], temporary[4450];
} out_file;

static bool open_out(out_file *o, const char *dir, const char *name)
{
    snprintf(o->path, sizeof o->path, "%s/%s", dir, name);
    snprintf(o->temporary, sizeof o->temporary, "%s.tmp.%d", o->path, (int)getpid());
    o->f = fopen(o->temporary, "w");
    return o->f != NULL;
}

static bool close_out(out_file *o)
{
    bool ok = !ferror(o->f);
    ok = fclose(o->f) == 0 && ok;
    ok = ok && rename(o->temporary, o->path) == 0;
    if (!ok)
        unlink(o->temporary);
    return ok;
}

/* A JSON string of TEXT: quotes, backslashes and control bytes escaped. */
static void json_text(FILE *f, const char *text)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(f, "\\u%04x", *c);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

/* JSON numbers: null for what was not measured. */
static void json_number(FILE *f, const char *key, double x, bool comma)
{
    if (isfinite(x))
        fprintf(f, "\"%s\":%.10g%s", key, x, comma ? "," : "");
    else
        fprintf(f, "\"%s\":null%s", key, comma ? "," : "");
}

static void write_json(FILE *f, const bench_study *s)
{
    const bench_machine *m = &s->machine;
    fprintf(f, "{\"title\":");
    json_text(f, s->title);
    fprintf(f, ",\"machine\":{\"cpus\":%d,", m->cpus);
    json_number(f, "latency", m->latency > 0 ? m->latency : NAN, true);
    json_number(f, "bandwidth", m->bandwidth > 0 ? m->bandwidth : NAN, true);
    json_number(f, "memory_bandwidth", m->memory_bandwidth > 0 ? m->memory_bandwidth : NAN, true);
    fprintf(f, "\"triad_threads\":%d,\"mpi\":", m->triad_threads);
    json_text(f, m->mpi);
    fprintf(f, "},\n\"runs\":[");
    for (size_t i = 0; i < s->run_count; i++) {
        const bench_run *r = &s->runs[i];
        fprintf(f, "%s\n{\"kernel\":\"%s\",\"scaling\":\"%s\",\"model\":\"%s\",\"ranks\":%d,\"threads\":%d,",
                i ? "," : "", r->kernel, bench_scaling_name(r->scaling), bench_model_name(r->model), r->ranks,
                r->threads);
        json_number(f, "size", r->size, true);
        fprintf(f, "\"repeat\":%d,", r->repeat);
        json_number(f, "seconds", r->seconds, true);
        json_number(f, "compute_seconds", r->compute, true);
        json_number(f, "comm_seconds", r->comm, true);
        json_number(f, "io_seconds", r->io, true);
        json_number(f, "imbalance", r->imbalance, true);
        json_number(f, "rss_kib_per_process", r->rss_kib, true);
        json_number(f, "rss_kib_total", r->rss_kib_total, true);
        fprintf(f, "\"answer\":\"%s\",\"validated\":%s}", r->answer, r->validated ? "true" : "false");
    }
    fprintf(f, "],\n\"points\":[");
    for (size_t i = 0; i < s->point_count; i++) {
        const bench_point *p = &s->points[i];
        fprintf(f, "%s\n{\"kernel\":\"%s\",\"scaling\":\"%s\",\"model\":\"%s\",\"ranks\":%d,\"threads\":%d,", i ? "," : "",
                p->kernel, bench_scaling_name(p->scaling), bench_model_name(p->model), p->ranks, p->threads);
        json_number(f, "size", p->size, true);
        fprintf(f, "\"repeats\":%d,", p->repeats);
        json_number(f, "seconds_min", p->min, true);
        json_number(f, "seconds_median", p->median, true);
        json_number(f, "speedup", p->speedup, true);
        json_number(f, "efficiency", p->efficiency, true);
        json_number(f, "karp_flatt", p->karp_flatt, true);
        json_number(f, "comm_share", p->comm_share, true);
        json_number(f, "imbalance", p->imbalance, true);
        json_number(f, "rss_kib_per_process", p->rss_kib, true);
        json_number(f, "rss_kib_total", p->rss_kib_total, true);
        fprintf(f, "\"validated\":%s}", p->validated ? "true" : "false");
    }
    fprintf(f, "],\n\"fits\":[");
    for (size_t i = 0; i < s->fit_count; i++) {
        const bench_fit *b = &s->fits[i];
        fprintf(f, "%s\n{\"kernel\":\"%s\",", i ? "," : "", b->kernel);
        json_number(f, "amdahl_serial_fraction", b->amdahl, true);
        json_number(f, "gustafson_serial_fraction", b->gustafson, true);
        fprintf(f, "\"messages_priced\":%s,\"predicted\":[", b->has_model ? "true" : "false");
        for (int j = 0; j < BENCH_PREDICT_COUNT; j++) {
            fprintf(f, "%s{\"ranks\":%d,", j ? "," : "", bench_predict_ranks[j]);
            json_number(f, "strong_efficiency", b->predicted_strong[j], true);
            json_number(f, "weak_efficiency", b->predicted_weak[j], false);
            fputc('}', f);
        }
        fprintf(f, "]}");
    }
    fprintf(f, "]}\n");
}

static void write_points_csv(FILE *f, const bench_study *s)
{
    fprintf(f, "kernel,scaling,model,ranks,threads,procs,size,repeats,seconds_min,seconds_median,speedup,efficiency,"
               "karp_flatt,comm_share,imbalance,rss_kib_per_process,rss_kib_total,validated\n");
    for (size_t i = 0; i < s->point_count; i++) {
        const bench_point *p = &s->points[i];
        fprintf(f, "%s,%s,%s,%d,%d,%d,%.17g,%d,%.6f,%.6f,%.4f,%.4f,%.4f,%.4f,%.4f,%.0f,%.0f,%s\n", p->kernel,
                bench_scaling_name(p->scaling), bench_model_name(p->model), p->ranks, p->threads, p->procs, p->size,
                p->repeats, p->min, p->median, p->speedup, p->efficiency, p->karp_flatt, p->comm_share, p->imbalance,
                p->rss_kib, p->rss_kib_total, p->validated ? "yes" : "no");
    }
}

static const bench_fit *fit_of(const bench_study *s, const char *kernel)
{
    for (size_t i = 0; i < s->fit_count; i++)
        if (strcmp(s->fits[i].kernel, kernel) == 0)
            return &s->fits[i];
    return NULL;
}

/* plot.dat: three blocks a kernel, in the order of the study's fits:
 * its strong-scaling points, its weak-scaling points, and the model's
 * curve (gnuplot's index 3k, 3k+1, 3k+2).  gnuplot does not count a block
 * without data, so an empty one gets a row of NaN (no model's name: no
 * series plots it). */
static void write_plot_data(FILE *f, const bench_study *s)
{
    pk_machine m = {s->machine.latency, s->machine.bandwidth, s->machine.memory_bandwidth};
    for (size_t k = 0; k < s->fit_count; k++) {
        const bench_fit *b = &s->fits[k];
        for (int scaling = BENCH_STRONG; scaling <= BENCH_WEAK; scaling++) {
            fprintf(f, "# %s, %s scaling: model procs speedup efficiency compute comm io other label\n", b->kernel,
                    bench_scaling_name((bench_scaling)scaling));
            int rows = 0;
            for (size_t i = 0; i < s->point_count; i++) {
                const bench_point *p = &s->points[i];
                if (strcmp(p->kernel, b->kernel) != 0 || p->scaling != (bench_scaling)scaling)
                    continue;
                const bench_run *r = p->best;
                const double other = r->seconds - r->compute - r->comm - r->io;
                fprintf(f, "%s %d %.6g %.6g %.6g %.6g %.6g %.6g \"%s %dx%d\"\n", bench_model_name(p->model), p->procs,
                        isfinite(p->speedup) ? p->speedup : 0, isfinite(p->efficiency) ? p->efficiency : 0,
                        r->compute, r->comm, r->io, other > 0 ? other : 0, bench_model_name(p->model), p->ranks,
                        p->threads);
                rows++;
            }
            if (rows == 0)
                fprintf(f, "none 1 NaN NaN NaN NaN NaN NaN \"none\"\n");
            fprintf(f, "\n\n");
        }
        fprintf(f, "# %s, the cost model: ranks predicted_speedup predicted_efficiency predicted_weak_efficiency\n",
                b->kernel);
        pk_kernel_cost weak = b->cost;
        weak.serial = isfinite(b->gustafson) ? b->gustafson : b->amdahl;
        for (int p = 1; b->cost.seconds > 0 && p <= 1024; p *= 2) {
            const double e = pk_model_efficiency(&b->cost, &m, p);
            fprintf(f, "%d %.6g %.6g %.6g\n", p, e * p, e, pk_model_weak_efficiency(&weak, &m, p));
        }
        if (!(b->cost.seconds > 0))
            fprintf(f, "1 NaN NaN NaN\n");
        fprintf(f, "\n\n");
    }
}

/* The models a kernel has points of, in one scaling ("seq omp mpi"). */
static void models_of(const bench_study *s, const char *kernel, bench_scaling scaling, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int m = 0; m < BENCH_MODELS; m++) {
        bool found = false;
        for (size_t i = 0; i < s->point_count && !found; i++)
            found = strcmp(s->points[i].kernel, kernel) == 0 && s->points[i].scaling == scaling &&
                    s->points[i].model == (bench_model)m;
        if (found) {
            size_t n = strlen(buf);
            snprintf(buf + n, len - n, "%s%s", n ? " " : "", bench_model_name((bench_model)m));
        }
    }
}

/* What the three scripts share: the terminal, the kernels, and for kernel
 * k the models of its strong (strong<k>) and weak (weak<k>) points. */
static void script_head(FILE *f, const bench_study *s, const char *comment, const char *png, const char *title)
{
    fprintf(f, "%s# Run from this directory: gnuplot %.*s.gp draws %s from plot.dat.\n", comment,
            (int)(strlen(png) - 4), png, png);
    /* reset: the scripts may run in one gnuplot, one after the other. */
    fprintf(f, "reset\nset terminal pngcairo size 1200,900 font ',10'\nset output '%s'\nkernels = \"", png);
    for (size_t i = 0; i < s->fit_count; i++)
        fprintf(f, "%s%s", i ? " " : "", s->fits[i].kernel);
    fprintf(f, "\"\n");
    char models[64];
    for (size_t i = 0; i < s->fit_count; i++) {
        size_t bars = 0;
        for (size_t j = 0; j < s->point_count; j++)
            bars += strcmp(s->points[j].kernel, s->fits[i].kernel) == 0 && s->points[j].scaling == BENCH_STRONG;
        fprintf(f, "bars%zu = %zu\n", i + 1, bars);
        models_of(s, s->fits[i].kernel, BENCH_STRONG, models, sizeof models);
        fprintf(f, "strong%zu = \"%s\"\n", i + 1, models);
        models_of(s, s->fits[i].kernel, BENCH_WEAK, models, sizeof models);
        fprintf(f, "weak%zu = \"%s\"\n", i + 1, models);
    }
    const char *layout = s->fit_count <= 1 ? "1,1" : s->fit_count <= 2 ? "1,2" : "2,2";
    fprintf(f, "set multiplot layout %s title '%s'\nset grid\nset key top left\n", layout, title);
}

static void write_scripts(const bench_study *s, FILE *speedup, FILE *efficiency, FILE *split)
{
    script_head(speedup, s,
                "# Speedup against processors (ranks x threads), strong scaling: each model's\n"
                "# points, the ideal line, and the cost model's prediction for ranks (dashed).\n",
                "speedup.png", "parkit bench: speedup, strong scaling");
    fprintf(speedup,
            "set logscale xy 2\nset xrange [1:1024]\nset yrange [0.25:1024]\n"
            "set xlabel 'processors P'\nset ylabel 'speedup'\n"
            "do for [k = 1:words(kernels)] {\n"
            "  set title word(kernels, k)\n"
            "  models = value(sprintf('strong%%d', k))\n"
            "  plot x title 'ideal' with lines dashtype 3 lc 'gray', \\\n"
            "    for [m in models] 'plot.dat' index 3*(k-1) using (strcol(1) eq m ? $2 : 1/0):3 title m "
            "with linespoints pointtype 7, \\\n"
            "    'plot.dat' index 3*(k-1)+2 using 1:2 title 'model (ranks)' with lines dashtype 2 lc 'black'\n"
            "}\nunset multiplot\n");
    script_head(efficiency, s,
                "# Parallel efficiency against processors: strong scaling (speedup / P) and weak\n"
                "# scaling (the problem grown with P: T(1) / T(P)), with the cost model's\n"
                "# predictions for ranks (dashed: strong, dotted: weak).\n",
                "efficiency.png", "parkit bench: parallel efficiency");
    fprintf(efficiency,
            "set logscale x 2\nset xrange [1:1024]\nset yrange [0:1.2]\n"
            "set xlabel 'processors P'\nset ylabel 'efficiency'\n"
            "do for [k = 1:words(kernels)] {\n"
            "  set title word(kernels, k)\n"
            "  strong = value(sprintf('strong%%d', k))\n"
            "  weak = value(sprintf('weak%%d', k))\n"
            "  plot for [m in strong] 'plot.dat' index 3*(k-1) using (strcol(1) eq m ? $2 : 1/0):4 "
            "title m.' strong' with linespoints pointtype 7, \\\n"
            "    for [m in weak] 'plot.dat' index 3*(k-1)+1 using (strcol(1) eq m ? $2 : 1/0):4 "
            "title m.' weak' with linespoints pointtype 6 dashtype 4, \\\n"
            "    'plot.dat' index 3*(k-1)+2 using 1:3 title 'model, strong' with lines dashtype 2 lc 'black', \\\n"
            "    'plot.dat' index 3*(k-1)+2 using 1:4 title 'model, weak' with lines dashtype 3 lc 'black'\n"
            "}\nunset multiplot\n");
    script_head(split, s,
                "# Where the time goes, strong scaling: compute, communication, I/O waits and\n"
                "# the rest (start-up, tables, output), stacked, one bar per model and\n"
                "# ranks x threads.\n",
                "split.png", "parkit bench: time split per model (strong scaling)");
    fprintf(split,
            "set style data histograms\nset style histogram rowstacked\nset style fill solid 0.8 border -1\n"
            "set boxwidth 0.7\nset ylabel 'seconds'\nset key top right\nset offsets 0, 0, graph 0.3, 0\n"
            "do for [k = 1:words(kernels)] {\n"
            "  set title word(kernels, k)\n"
            "  set xrange [-0.6:value(sprintf('bars%%d', k)) - 0.4]\n"
            "  plot 'plot.dat' index 3*(k-1) using 5:xtic(9) title 'compute', \\\n"
            "    '' index 3*(k-1) using 6 title 'communication', \\\n"
            "    '' index 3*(k-1) using 7 title 'I/O waits', \\\n"
            "    '' index 3*(k-1) using 8 title 'other'\n"
            "}\nunset multiplot\n");
}

/* Runs gnuplot on the three scripts in DIR, its messages to DIR/gnuplot.log
 * (removed when it succeeds).  Returns 0, 127 when gnuplot is not
 * installed, or another failure. */
static int run_gnuplot(const char *dir)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int log = chdir(dir) == 0 ? open("gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666) : -1;
        int null = open("/dev/null", O_RDWR);
        if (log < 0 || null < 0 || dup2(log, STDERR_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
            dup2(null, STDIN_FILENO) < 0)
            _exit(126);
        execlp("gnuplot", "gnuplot", "speedup.gp", "efficiency.gp", "split.gp", (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    const int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    char log[4400];
    snprintf(log, sizeof log, "%s/gnuplot.log", dir);
    if (rc == 0 || rc == 127)
        unlink(log);
    return rc;
}

/* ---- report.md ----------------------------------------------------------------------- */

static const bench_point *find_point(const bench_study *s, const char *kernel, bench_model model, int most_procs)
{
    const bench_point *best = NULL;
    for (size_t i = 0; i < s->point_count; i++) {
        const bench_point *p = &s->points[i];
        if (strcmp(p->kernel, kernel) == 0 && p->scaling == BENCH_STRONG && p->model == model &&
            p->procs <= most_procs && (best == NULL || p->procs > best->procs))
            best = p;
    }
    return best;
}

static void md_cell(FILE *f, const char *format, double x)
{
    if (isfinite(x))
        fprintf(f, format, x);
    else
        fprintf(f, " - |");
}

/* What the measurements say of each kernel, in words and with their numbers. */
static void explain(FILE *f, const bench_study *s, const char *kernel)
{
    int most = 0;
    for (size_t i = 0; i < s->point_count; i++)
        if (strcmp(s->points[i].kernel, kernel) == 0 && s->points[i].procs > most)
            most = s->points[i].procs;
    const bench_point *omp = find_point(s, kernel, BENCH_OMP, most), *mpi = find_point(s, kernel, BENCH_MPI, most);
    const bench_kernel *k = bench_kernel_named(kernel);
    fprintf(f, "### %s\n\n", kernel);
    if (k != NULL)
        fprintf(f, "%s.\n\n", bench_kernel_about(k));
    if (omp != NULL)
        fprintf(f, "- %d threads of one process: speedup %.2f, efficiency %.2f, load imbalance %.2f (the busiest "
                   "thread's time over the mean).\n",
                omp->threads, omp->speedup, omp->efficiency, omp->imbalance);
    if (mpi != NULL)
        fprintf(f, "- %d ranks: speedup %.2f, efficiency %.2f; %.1f%% of the time in communication; peak memory "
                   "%.1f MiB in all (%.1f MiB a process).\n",
                mpi->ranks, mpi->speedup, mpi->efficiency, 100 * mpi->comm_share, mpi->rss_kib_total / 1024,
                mpi->rss_kib / 1024);
    if (strcmp(kernel, "heat") == 0 && mpi != NULL && mpi->ranks > 1) {
        const bench_run *b = mpi->best;
        fprintf(f,
                "- Why heat on MPI pays for its halos: every step each tile sends its edge rows to its neighbours "
                "and waits for theirs. A tile of %.0fx%.0f cells has %.0f cells of surface against %.0f of volume "
                "per exchange, so the messages stay a small share while tiles are large, and grow as P cuts the "
                "tiles thinner: the model's dashed line falls with P for this reason.\n",
                b->nx, b->ny / mpi->ranks, b->nx, b->nx * b->ny / mpi->ranks);
    }
    if (strcmp(kernel, "mandel") == 0)
        fprintf(f, "- Why mandel needs a dynamic schedule: a row inside the set costs the full iteration count, "
                   "a row outside escapes in a few; equal shares of rows are unequal shares of work. The study "
                   "runs the default dynamic schedule (bands handed out on demand), which keeps the imbalance "
                   "column near 1; `parkit mandel --schedule static --time` shows the threads' imbalance without "
                   "it.\n");
    if (strcmp(kernel, "primes") == 0 && omp != NULL && mpi != NULL)
        fprintf(f,
                "- Why primes costs more memory on ranks: %d threads share one process's table of sieving primes "
                "and code (%.1f MiB in all); %d ranks each hold their own (%.1f MiB in all, %.2f times as much).\n",
                omp->threads, omp->rss_kib_total / 1024, mpi->ranks, mpi->rss_kib_total / 1024,
                mpi->rss_kib_total / omp->rss_kib_total);
    const bench_fit *fit = fit_of(s, kernel);
    if (fit != NULL && fit->cost.seconds > 0) {
        fprintf(f, "- Fitted serial fraction: Amdahl f = ");
        fprintf(f, isfinite(fit->amdahl) ? "%.4f" : "-", fit->amdahl);
        fprintf(f, ", Gustafson a = ");
        fprintf(f, isfinite(fit->gustafson) ? "%.4f" : "-", fit->gustafson);
        fprintf(f, ". Predicted efficiency on 16 / 64 / 256 / 1024 ranks: strong");
        for (int j = 0; j < BENCH_PREDICT_COUNT; j++)
            fprintf(f, " %.3f", fit->predicted_strong[j]);
        fprintf(f, "; weak");
        for (int j = 0; j < BENCH_PREDICT_COUNT; j++)
            fprintf(f, " %.3f", fit->predicted_weak[j]);
        fprintf(f, "%s.\n", fit->has_model ? "" : " (messages not priced: no ping-pong was measured)");
    }
    fputc('\n', f);
}

static void write_report(FILE *f, const bench_study *s, bool plotted)
{
    const bench_machine *m = &s->machine;
    fprintf(f, "# parkit bench\n\n%s.\n\n", s->title);
    if (m->memory_bandwidth > 0 || m->latency > 0) {
        fprintf(f, "The machine, measured:");
        if (m->memory_bandwidth > 0)
            fprintf(f, " memory bandwidth %.1f GB/s (a triad on %d threads);", m->memory_bandwidth / 1e9,
                    m->triad_threads);
        if (m->latency > 0)
            fprintf(f, " a message between two ranks costs %.2f us plus %.3f ms a MB (ping-pong);",
                    m->latency * 1e6, 1e3 * 1e6 / m->bandwidth);
        fprintf(f, " these price the cost model's messages.\n\n");
    }
    fprintf(f, "## The points\n\nTime is the least of the repeats (the median beside it); speedup and efficiency "
               "are against the sequential run (strong scaling: the same problem) or, for weak scaling (the "
               "problem grown with P), efficiency is T(1)/T(P). K-F is the Karp-Flatt serial fraction: when it "
               "grows with P, the loss is overhead (messages, imbalance), not serial code.\n\n");
    fprintf(f, "| kernel | scaling | model | ranks | threads | size | time s | median s | speedup | efficiency | "
               "K-F | comm %% | imbalance | MiB/process | MiB total | valid |\n");
    fprintf(f, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < s->point_count; i++) {
        const bench_point *p = &s->points[i];
        fprintf(f, "| %s | %s | %s | %d | %d | %.6g |", p->kernel, bench_scaling_name(p->scaling),
                bench_model_name(p->model), p->ranks, p->threads, p->size);
        md_cell(f, " %.4f |", p->min);
        md_cell(f, " %.4f |", p->median);
        md_cell(f, " %.2f |", p->speedup);
        md_cell(f, " %.2f |", p->efficiency);
        md_cell(f, " %.3f |", p->karp_flatt);
        md_cell(f, " %.1f |", 100 * p->comm_share);
        md_cell(f, " %.2f |", p->imbalance);
        md_cell(f, " %.1f |", p->rss_kib / 1024);
        md_cell(f, " %.1f |", p->rss_kib_total / 1024);
        fprintf(f, " %s |\n", p->validated ? "yes" : "**no**");
    }
    fprintf(f, "\n## The plots\n\n");
    if (plotted) {
        fprintf(f, "Speedup against processors, with the ideal line and the cost model's prediction for ranks "
                   "(dashed):\n\n![speedup](speedup.png)\n\n"
                   "Efficiency, strong and weak scaling, with the model's predictions:\n\n"
                   "![efficiency](efficiency.png)\n\n"
                   "Where the time goes (compute, communication, I/O waits, the rest) per model:\n\n"
                   "![time split](split.png)\n\n");
    } else {
        fprintf(f, "No plots: gnuplot is not installed here (Debian: `apt-get install gnuplot-nox`). The scripts "
                   "are beside this report: `gnuplot speedup.gp efficiency.gp split.gp` draws them from "
                   "`plot.dat`.\n\n");
    }
    fprintf(f, "## What each kernel shows\n\n");
    for (size_t i = 0; i < s->fit_count; i++)
        explain(f, s, s->fits[i].kernel);
    fprintf(f, "## The cost model\n\nThe predicted efficiency on P ranks is T(1) / (P T(P)) with T(P) = T(1) (f + "
               "(1 - f)/P) + the messages of the busiest rank, each costing latency + bytes / bandwidth: a "
               "reduction's ceil(log2 P) steps, one round trip a unit handed out, the results gathered on rank 0, "
               "a halo's edges every step. f is fitted to the points' compute (their time without "
               "communication). docs/cost-model.md derives it and says what it leaves out.\n");
}

int bench_write_files(const bench_study *s, const char *dir, bool write_runs, bool *plotted, char *why, size_t why_len)
{
    *plotted = false;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(why, why_len, "%s", strerror(errno));
        return -1;
    }
    static const char *const names[] = {"runs.csv", "points.csv", "bench.json", "machine.json", "plot.dat",
                                        "speedup.gp", "efficiency.gp", "split.gp"};
    enum { COUNT = sizeof names / sizeof names[0] };
    out_file files[COUNT];
    for (int i = 0; i < COUNT; i++) {
        if (i == 0 && !write_runs) {
            files[i].f = NULL;
            continue;
        }
        if (!open_out(&files[i], dir, names[i])) {
            snprintf(why, why_len, "%s: %s", files[i].path, strerror(errno));
            for (int j = 0; j < i; j++) {
                if (files[j].f == NULL)
                    continue;
                fclose(files[j].f);
                unlink(files[j].temporary);
            }
            return -1;
        }
    }
    /* runs.csv again, whole: a study's rows were written as they came; a
     * study read with --from gets them in its own folder. */
    if (write_runs) {
        fprintf(files[0].f, "%s\n", csv_header);
        for (size_t i = 0; i < s->run_count; i++)
            bench_csv_row(files[0].f, &s->runs[i]);
    }
    write_points_csv(files[1].f, s);
    write_json(files[2].f, s);
    const bench_machine *m = &s->machine;
    fprintf(files[3].f, "{\"cpus\":%d,", m->cpus);
    json_number(files[3].f, "latency", m->latency > 0 ? m->latency : NAN, true);
    json_number(files[3].f, "bandwidth", m->bandwidth > 0 ? m->bandwidth : NAN, true);
    json_number(files[3].f, "memory_bandwidth", m->memory_bandwidth > 0 ? m->memory_bandwidth : NAN, true);
    fprintf(files[3].f, "\"triad_threads\":%d,\"mpi\":", m->triad_threads);
    json_text(files[3].f, m->mpi);
    fprintf(files[3].f, "}\n");
    write_plot_data(files[4].f, s);
    write_scripts(s, files[5].f, files[6].f, files[7].f);
    bool ok = true;
    for (int i = 0; i < COUNT; i++)
        if (files[i].f != NULL && !close_out(&files[i]) && ok) {
            snprintf(why, why_len, "%s: %s", files[i].path, strerror(errno ? errno : EIO));
            ok = false;
        }
    if (!ok)
        return -1;
    const int plot = run_gnuplot(dir);
    *plotted = plot == 0;
    if (plot != 0 && plot != 127)
        fprintf(stderr, "parkit: bench: gnuplot failed (exit %d): its messages are in %s/gnuplot.log\n", plot, dir);
    out_file report;
    if (!open_out(&report, dir, "report.md")) {
        snprintf(why, why_len, "%s: %s", report.path, strerror(errno));
        return -1;
    }
    write_report(report.f, s, *plotted);
    if (!close_out(&report)) {
        snprintf(why, why_len, "%s: %s", report.path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}
