/* Parse an iCalendar file with libical, as Evolution and KDE do, and fail on any error.
 *
 * libical marks what it cannot accept with X-LIC-ERROR properties; icalrestriction_check adds
 * RFC 5545 property-count violations.  On success it prints each VEVENT's UID, its start and
 * end as Unix times (resolved through the file's own VTIMEZONE), LOCATION and STATUS as JSON.
 */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) { perror("read"); exit(2); }
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void json_string(const char *s) {
    putchar('"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static int report_errors(icalcomponent *c) {
    int n = 0;
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
        fprintf(stderr, "%s: %s\n", icalcomponent_kind_to_string(icalcomponent_isa(c)), icalproperty_as_ical_string(p));
        n++;
    }
    for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
         s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
        n += report_errors(s);
    }
    return n;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s file.ics\n", argv[0]); return 2; }
    char *text = slurp(argv[1]);
    icalcomponent *cal = icalparser_parse_string(text);
    if (!cal) { fprintf(stderr, "libical could not parse the file: %s\n", icalerror_strerror(icalerrno)); return 1; }
    if (icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) { fprintf(stderr, "not a VCALENDAR\n"); return 1; }
    icalrestriction_check(cal);
    int errors = report_errors(cal);
    if (errors || icalcomponent_count_errors(cal)) { fprintf(stderr, "%d error(s)\n", errors); return 1; }
    printf("{\"events\": [");
    int first = 1;
    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        struct icaltimetype start = icalcomponent_get_dtstart(ev);
        struct icaltimetype end = icalcomponent_get_dtend(ev);
        if (icaltime_is_null_time(start) || icaltime_is_null_time(end)) { fprintf(stderr, "event without times\n"); return 1; }
        if (!first) printf(", ");
        first = 0;
        printf("{\"uid\": ");
        json_string(icalcomponent_get_uid(ev));
        printf(", \"start\": %lld, \"end\": %lld", (long long)icaltime_as_timet_with_zone(start, start.zone),
               (long long)icaltime_as_timet_with_zone(end, end.zone));
        printf(", \"tzid\": ");
        json_string(start.zone ? icaltimezone_get_tzid((icaltimezone *)start.zone) : "");
        printf(", \"location\": ");
        json_string(icalcomponent_get_location(ev));
        printf(", \"status\": ");
        json_string(icalproperty_status_to_string(icalcomponent_get_status(ev)));
        printf(", \"sequence\": %d}", icalcomponent_get_sequence(ev));
    }
    printf("]}\n");
    icalcomponent_free(cal);
    free(text);
    return 0;
}
