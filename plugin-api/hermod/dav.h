/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * hermod/dav.h - calendars and address books of an account, and the
 * calendar arithmetic on them (ABI 1.9).
 *
 * The dav module (CalDAV, CardDAV, plain WebDAV) keeps its collections,
 * their objects, a sync change log and dead properties in the account's
 * store, beside its mail, so that backup, quota and account deletion
 * treat them like mail.  HermodApi.dav points to this table; check
 * HERMOD_API_HAS(api, dav) first.  A store handle is the mail table's
 * (HermodMailApi.open and unref).
 *
 * A collection lives in a home ("cal" or "card") under a name, one path
 * segment; an object lives in a collection under a name: one segment,
 * or for the members of a plain collection, which may nest, segments
 * joined by '/' (a trailing '/' names a subcollection, an empty object
 * the caller keeps as a marker).  The store never parses the names or the data: it keeps the
 * bytes as sent, an ETag (strong, quoted, from the bytes), the UID that
 * the caller extracted (unique within the collection) and a time span
 * (for time-range prefilters).  Every change of a collection's members
 * takes the collection's next sync number and is logged per name, so
 * that changes(since) lists what changed (deleted ones flagged) since a
 * client's sync token.
 *
 * The cal_ members are libical (core/calendar/): pure functions on one
 * iCalendar text, no store, any thread.  Times are seconds since the
 * epoch, UTC; floating times are read as UTC.
 *
 * Errors: HERMOD_DAV_ERROR.  Lookups follow the store's rule: TRUE with
 * *out NULL is "not there", FALSE is a failure (IO) to report as 5xx.
 * Store members block (SQLite, fsync): call them from the work pool.
 */
#ifndef HERMOD_DAV_H
#define HERMOD_DAV_H

#include <glib.h>
#include <hermod/mailstore.h>

G_BEGIN_DECLS

#define HERMOD_DAV_ERROR (g_quark_from_static_string("hermod-dav-error"))
typedef enum {
    HERMOD_DAV_ERROR_IO,           /* the store could not answer: 5xx */
    HERMOD_DAV_ERROR_NOT_FOUND,    /* no such collection or object */
    HERMOD_DAV_ERROR_EXISTS,       /* a collection of that name is there */
    HERMOD_DAV_ERROR_PRECONDITION, /* If-Match / If-None-Match failed: 412 */
    HERMOD_DAV_ERROR_UID_CONFLICT, /* another object of the collection has the UID */
    HERMOD_DAV_ERROR_OVER_QUOTA,
    HERMOD_DAV_ERROR_INVALID, /* bad name, bad iCalendar */
} HermodDavError;

typedef enum {
    HERMOD_DAV_KIND_PLAIN = 0, /* a WebDAV collection */
    HERMOD_DAV_KIND_CALENDAR = 1,
    HERMOD_DAV_KIND_ADDRESSBOOK = 2,
    HERMOD_DAV_KIND_INBOX = 3, /* schedule inbox (RFC 6638) */
    HERMOD_DAV_KIND_OUTBOX = 4,
} HermodDavKind;

/* One collection.  Read-only for modules. */
typedef struct {
    gint64 id;  /* never reused within the account */
    char *home; /* "cal", "card" */
    char *name; /* one path segment */
    HermodDavKind kind;
    char *components; /* "VEVENT,VTODO" (calendars), or NULL */
    guint64 sync;     /* its latest change; a sync token and CTag */
    gint64 created;   /* seconds since the epoch */
} HermodDavCollection;

/* One object (a calendar resource, a vCard, a file). */
typedef struct {
    char *name;
    char *uid;          /* nullable */
    char *etag;         /* "\"...\"" */
    char *content_type; /* as stored by the PUT */
    guint64 modseq;     /* the collection's sync number of its last change */
    guint64 size;
    gint64 first_start; /* its span for prefilters: G_MININT64 .. G_MAXINT64 */
    gint64 last_end;    /* when unknown or unbounded */
    GBytes *data;       /* nullable: only when asked for */
} HermodDavObject;

/* One entry of the change log. */
typedef struct {
    char *name;
    guint64 modseq;
    gboolean is_deleted;
} HermodDavChange;

/* A dead property: the whole element as XML (namespace declarations
 * included), keyed by "{namespace}local".  xml NULL in props_update
 * removes it. */
typedef struct {
    char *name;
    char *xml;
} HermodDavProp;

/* A collection to create. */
typedef struct {
    guint32 struct_size; /* sizeof (HermodDavNewCollection) at build time */
    const char *home;
    const char *name;
    HermodDavKind kind;
    const char *components; /* nullable */
} HermodDavNewCollection;

/* An object to write. */
typedef struct {
    guint32 struct_size; /* sizeof (HermodDavPut) at build time */
    gint64 collection_id;
    const char *name;
    GBytes *data;
    const char *content_type;
    const char *uid;              /* nullable; else unique in the collection */
    gint64 first_start, last_end; /* as in HermodDavObject */
    const char *if_match;         /* nullable: an ETag or "*" */
    gboolean if_none_match;       /* If-None-Match: * (create only) */
} HermodDavPut;

/* A busy period of cal_busy. */
typedef struct {
    gint64 start, end;
    guint type; /* 0 BUSY, 1 BUSY-TENTATIVE, 2 BUSY-UNAVAILABLE */
} HermodCalPeriod;

/* An alarm that comes due (cal_alarms, ABI 1.14). */
typedef enum {
    HERMOD_CAL_ALARM_DISPLAY = 0, /* DISPLAY, AUDIO and unknown actions */
    HERMOD_CAL_ALARM_EMAIL = 1,
} HermodCalAlarmAction;

typedef struct {
    gint64 trigger;       /* when it comes due */
    gint64 start, end;    /* the instance it reminds of */
    gint64 recurrence_id; /* the instance's, or 0 when the event does not recur */
    HermodCalAlarmAction action;
    /* Which alarm: the VALARM's place in its component, or -1 for a
     * client's snooze (X-MOZ-SNOOZE-TIME). */
    gint index;
    char *uid;         /* nullable */
    char *summary;     /* the event's SUMMARY, nullable */
    char *description; /* the alarm's DESCRIPTION, nullable */
    char *location;    /* nullable */
} HermodCalAlarm;

typedef struct {
    guint32 struct_size; /* sizeof (HermodDavApi) in the running core */

    /* --- collections (blocking) --- */
    /* Collections of a home, in name order; element HermodDavCollection
     * (transfer full, freed with the array). */
    GPtrArray *(*collections)(HermodMailStore *store, const char *home, GError **error);
    /* A lookup: *out is the collection (transfer full) or NULL. */
    gboolean (*collection)(HermodMailStore *store, const char *home, const char *name,
                           HermodDavCollection **out, GError **error);
    /* EXISTS if the name is taken, INVALID for a bad name. */
    gboolean (*collection_create)(HermodMailStore *store, const HermodDavNewCollection *spec,
                                  GError **error);
    /* The collection, its objects, log and properties; NOT_FOUND. */
    gboolean (*collection_delete)(HermodMailStore *store, gint64 id, GError **error);
    void (*collection_free)(HermodDavCollection *c);

    /* --- objects (blocking) --- */
    /* In name order; element HermodDavObject (transfer full).  data only
     * when with_data.  With a span (start < end), only objects whose span
     * overlaps [start, end). */
    GPtrArray *(*objects)(HermodMailStore *store, gint64 collection_id, gboolean with_data,
                          gint64 start, gint64 end, GError **error);
    /* A lookup with data: *out (transfer full) or NULL. */
    gboolean (*object)(HermodMailStore *store, gint64 collection_id, const char *name,
                       HermodDavObject **out, GError **error);
    /* A lookup: the name of the object with uid (transfer full) or NULL. */
    gboolean (*object_by_uid)(HermodMailStore *store, gint64 collection_id, const char *uid,
                              char **out_name, GError **error);
    /* Create or replace, durably.  PRECONDITION when if_match /
     * if_none_match fail, UID_CONFLICT (message names the other object),
     * OVER_QUOTA, NOT_FOUND (no collection).  *out_etag (transfer full)
     * and *out_created nullable. */
    gboolean (*object_put)(HermodMailStore *store, const HermodDavPut *put, char **out_etag,
                           gboolean *out_created, GError **error);
    /* NOT_FOUND, PRECONDITION (if_match nullable). */
    gboolean (*object_delete)(HermodMailStore *store, gint64 collection_id, const char *name,
                              const char *if_match, GError **error);
    void (*object_free)(HermodDavObject *o);

    /* --- sync log and properties (blocking) --- */
    /* What changed after since (0: every member, no deletions), by
     * modseq; element HermodDavChange (transfer full). */
    GPtrArray *(*changes)(HermodMailStore *store, gint64 collection_id, guint64 since,
                          GError **error);
    /* Dead properties of the collection (object "") or of one object;
     * element HermodDavProp (transfer full). */
    GPtrArray *(*props)(HermodMailStore *store, gint64 collection_id, const char *object,
                        GError **error);
    /* Set or remove (xml NULL) every element of changes (HermodDavProp *),
     * all or nothing. */
    gboolean (*props_update)(HermodMailStore *store, gint64 collection_id, const char *object,
                             GPtrArray *changes, GError **error);
    void (*prop_free)(HermodDavProp *p);
    void (*change_free)(HermodDavChange *c);

    /* --- calendar arithmetic (libical; any thread, no store) --- */
    /* The span of every instance of every component (recurrences
     * expanded; G_MAXINT64 for an endless rule).  INVALID for text that
     * is not iCalendar. */
    gboolean (*cal_span)(const char *ical, gint64 *out_start, gint64 *out_end, GError **error);
    /* Does an instance of a component named component (VEVENT, VTODO,
     * VJOURNAL, VFREEBUSY) overlap [start, end) (RFC 4791 9.9)? */
    gboolean (*cal_overlaps)(const char *ical, const char *component, gint64 start, gint64 end,
                             gboolean *out, GError **error);
    /* The object with its recurrences replaced by the instances inside
     * [start, end), each with a RECURRENCE-ID, times in UTC (RFC 4791
     * 9.6.5).  (transfer full) */
    char *(*cal_expand)(const char *ical, gint64 start, gint64 end, GError **error);
    /* Busy periods of the object inside [start, end) (TRANSP:OPAQUE,
     * not CANCELLED); element HermodCalPeriod, appended to out. */
    gboolean (*cal_busy)(const char *ical, gint64 start, gint64 end, GArray *out, GError **error);

    /* --- ABI 1.13 --- */
    /* The names of the collection's objects that have dead properties, in
     * name order (one read for a PROPFIND of every member); element char *
     * (transfer full).  Blocking. */
    GPtrArray *(*props_objects)(HermodMailStore *store, gint64 collection_id, GError **error);
    /* RFC 4791 9.6.6 limit-recurrence-set: the object with its masters
     * and only the overridden components that impact [start, end) (their
     * own or their original time overlaps it; RANGE=THISANDFUTURE ones
     * that start before end).  (transfer full) */
    char *(*cal_limit)(const char *ical, gint64 start, gint64 end, GError **error);
    /* Every instance [start, end) of the object's components named
     * component ("VEVENT" or "VJOURNAL"; INVALID otherwise) from the year
     * 1800 to 2400, element HermodCalPeriod (type 0) appended to out: what
     * a caller may keep to test time ranges by RFC 4791 9.9 (an instance
     * of zero length overlaps when start <= its start < end) without
     * parsing the object again.  Call it only for bounded rules. */
    gboolean (*cal_instances)(const char *ical, const char *component, GArray *out, GError **error);

    /* --- ABI 1.14: calendar reminders --- */
    /* The alarms (VALARM) of every instance of every VEVENT and VTODO
     * that come due in (after, until], appended to out (element
     * HermodCalAlarm *, freed by cal_alarm_free: give out that free
     * function), and in *out_next the first one due after until within
     * a year (G_MAXINT64: none).  TRIGGER relative to the start or end
     * (RELATED=END) of each instance or absolute (once); an alarm whose
     * ACKNOWLEDGED, or the component's X-MOZ-LASTACK, is at or after
     * its time is left out; a client's X-MOZ-SNOOZE-TIME (and
     * X-MOZ-SNOOZE-TIME-<recurrence id in microseconds> on a recurring
     * master) is an alarm of its own, index -1.  Offsets beyond a year
     * are not looked for.  INVALID for text that is not iCalendar. */
    gboolean (*cal_alarms)(const char *ical, gint64 after, gint64 until, GPtrArray *out,
                           gint64 *out_next, GError **error);
    void (*cal_alarm_free)(HermodCalAlarm *a);
    /* Blocking.  The time up to which the reminders of an object were
     * handed out (fired), and its ETag then: TRUE with *out_found FALSE
     * when nothing was recorded.  *out_etag (transfer full) nullable. */
    gboolean (*reminder_get)(HermodMailStore *store, gint64 collection_id, const char *object,
                             gboolean *out_found, gint64 *out_fired_until, char **out_etag,
                             GError **error);
    /* Blocking.  Record it durably (etag nullable). */
    gboolean (*reminder_set)(HermodMailStore *store, gint64 collection_id, const char *object,
                             gint64 fired_until, const char *etag, GError **error);
    /* Blocking.  Drop the records of objects of the collection that are
     * no longer there. */
    gboolean (*reminder_prune)(HermodMailStore *store, gint64 collection_id, GError **error);

    /* --- ABI 1.15 --- */
    /* Blocking.  The collection's objects in name order with only name,
     * etag, content_type and size read (uid and data NULL, modseq and the
     * span 0): what a listing of their properties (PROPFIND Depth 1)
     * needs, at about half the cost per object of objects.  Element
     * HermodDavObject (transfer full), freed by object_free. */
    GPtrArray *(*objects_brief)(HermodMailStore *store, gint64 collection_id, GError **error);
} HermodDavApi;

/* Does the running core's dav table have member? */
#define HERMOD_DAV_API_HAS(dav, member)                                                            \
    ((dav)->struct_size >= G_STRUCT_OFFSET(HermodDavApi, member) + sizeof((dav)->member))

G_END_DECLS

#endif
