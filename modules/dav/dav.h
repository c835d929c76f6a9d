/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * dav.h - what the dav module's files share: the request as a job, the
 * path layout, the XML helpers, the response being built.
 *
 * Every DAV request becomes one DavJob: request.c copies what the
 * handlers need from the HermodHttpRequest on the web thread, checks the
 * login, and runs the method's handler on the work pool, where store
 * calls may block; the handler fills the job's response, which the done
 * callback sends.  Handlers never touch the HermodHttpRequest.
 */
#ifndef HERMOD_DAV_MODULE_H
#define HERMOD_DAV_MODULE_H

#include <hermod/hermod.h>
#include <libxml/tree.h>
#include <string.h>

#define DAV_ROOT "/dav"
/* Characters left as they are in an href segment (path.c). */
#define DAV_SEGMENT_ALLOWED "@!$&'()*+,;=:~"
/* Most segments a path below /dav may have. */
#define DAV_DEPTH_MAX 32
#define NS_DAV        "DAV:"
#define NS_CAL        "urn:ietf:params:xml:ns:caldav"
#define NS_CARD       "urn:ietf:params:xml:ns:carddav"
#define NS_CS         "http://calendarserver.org/ns/"
#define NS_APPLE      "http://apple.com/ns/ical/"

extern const HermodApi *dav_api;
extern HermodModule *dav_module;

/* What a path names. */
typedef enum {
    DAV_PATH_ROOT,       /* /dav/ */
    DAV_PATH_PRINCIPALS, /* /dav/principals/ */
    DAV_PATH_PRINCIPAL,  /* /dav/principals/OWNER/ */
    DAV_PATH_HOME,       /* /dav/cal/OWNER/, /dav/card/OWNER/ */
    DAV_PATH_COLLECTION, /* .../OWNER/NAME/ */
    DAV_PATH_OBJECT,     /* .../OWNER/NAME/OBJECT */
} DavPathKind;

typedef struct {
    DavPathKind kind;
    char *owner;        /* account, or NULL for root/principals */
    char *home;         /* "cal", "card", or NULL */
    char *collection;   /* nullable */
    char *object;       /* nullable */
    gboolean has_slash; /* the path ended in '/' */
} DavPath;

/* NULL: not a DAV path (404). (transfer full) */
DavPath *dav_path_parse(const char *path);
void dav_path_free(DavPath *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DavPath, dav_path_free)
/* The href of a path, segments percent-encoded; collection paths end in
 * '/'.  (transfer full) */
char *dav_href(const char *owner, const char *home, const char *collection, const char *object);
/* The path part of an href or Destination ("https://h/dav/x" or
 * "/dav/x"), percent-decoded; NULL if it is not below /dav.  (transfer
 * full) */
char *dav_href_path(const char *href);

/* The request and its response. */
typedef struct {
    /* request, copied on the web thread */
    char *method;
    char *path;
    char *account; /* who logged in (canonical) */
    GBytes *body;
    GHashTable *headers; /* lower-case name -> value, the ones handlers read */
    char *host;
    gboolean is_tls;
    char *session; /* for the log */
    /* response */
    guint status;
    char *content_type;      /* nullable */
    GString *out;            /* body; NULL: none */
    GPtrArray *resp_headers; /* name, value, name, value ... */
    HermodMailStore *store;  /* the account's, opened by the job */
    gboolean is_internal;    /* COPY/MOVE: no scheduling */
    GPtrArray *addresses;    /* dav_job_addresses, once asked */
    GHashTable *dead_names;  /* dav_prefetch_dead: members with dead props */
    gint64 dead_coll;        /* ... of this collection */
    /* dav_response's buffers, reused from one member to the next */
    GString *missing, *segment;
    char *href_base;                          /* dav_href of href_key's collection, XML-escaped */
    char *href_owner, *href_home, *href_coll; /* href_base's key */
    gint64 stored_coll;                       /* dav_store_object: the calendar object stored, */
    char *stored_name;                        /* for the reminders (NULL: none) */
} DavJob;

/* A job with no request, for work the module does by itself (iMIP that
 * arrived by mail).  (transfer full) */
DavJob *dav_job_new_internal(const char *account, const char *session);
void dav_job_free(DavJob *job);
/* The account's calendar user addresses, lower case: the login first,
 * then its aliases (transfer none, kept in the job). */
GPtrArray *dav_job_addresses(DavJob *job);

const char *dav_header(DavJob *job, const char *name);
/* Depth: 0, 1 or -1 (infinity); def when absent. */
int dav_depth(DavJob *job, int def);
void dav_resp_header(DavJob *job, const char *name, const char *value);
/* A plain text answer. */
void dav_text(DavJob *job, guint status, const char *text);
/* A DAV:error body (RFC 4918 16) with one precondition element. */
void dav_precondition(DavJob *job, guint status, const char *ns, const char *name,
                      const char *detail);
/* 500 for a store failure, logged with its message. */
void dav_fail(DavJob *job, const char *what, const GError *error);
/* Open the store and make the default collections on first use. */
gboolean dav_job_store(DavJob *job);

/* --- the XML side (xml.c) --- */
/* The request body as XML; NULL with job answered (400) when it is not
 * well-formed or has a DTD.  An empty body gives NULL, job untouched,
 * *out_empty TRUE. */
xmlDoc *dav_xml_read(DavJob *job, gboolean *out_empty);
gboolean dav_xml_is(const xmlNode *n, const char *ns, const char *name);
xmlNode *dav_xml_child(const xmlNode *n, const char *ns, const char *name);
/* First element child, and the next element sibling. */
xmlNode *dav_xml_first(const xmlNode *n);
xmlNode *dav_xml_next(const xmlNode *n);
/* Text content (transfer full, g_free). */
char *dav_xml_text(const xmlNode *n);
/* "{ns}local" of an element (transfer full). */
char *dav_xml_key(const xmlNode *n);
/* n as a standalone XML string with its namespaces (transfer full). */
char *dav_xml_dump(xmlNode *n);
/* Append s with &, <, >, " escaped. */
void dav_xml_escape(GString *out, const char *s);
/* Append n bytes of s.  Straight into the buffer when it has room:
 * GLib 2.74's g_string_append goes through g_string_insert_len, which
 * was a tenth of a PROPFIND Depth 1's instructions. */
static inline void
dav_emit(GString *out, const char *s, gsize n)
{
    if (out->len + n < out->allocated_len) {
        memcpy(out->str + out->len, s, n);
        out->len += n;
        out->str[out->len] = '\0';
    } else {
        g_string_append_len(out, s, (gssize)n);
    }
}
/* dav_emit of a string literal, its length known when compiling. */
#define DAV_EMIT(out, literal) dav_emit((out), "" literal, sizeof(literal) - 1)
/* Start a multistatus document. */
void dav_ms_begin(GString *out);
void dav_ms_end(GString *out);
/* An empty element for a property key "{ns}local", with its namespace
 * prefix or a declaration. */
void dav_xml_empty(GString *out, const char *key);
/* Open/close a property element by key. */
void dav_xml_open(GString *out, const char *key);
void dav_xml_close(GString *out, const char *key);

/* --- property values (props.c) --- */
typedef struct {
    DavPath *path;                   /* what the resource is */
    const HermodDavCollection *coll; /* nullable */
    const HermodDavObject *obj;      /* nullable */
    const char *data;                /* nullable: calendar-data to show instead of obj's */
} DavResource;

/* Write the value of key for res into out as a whole element; FALSE when
 * the resource has no such live property. */
gboolean dav_prop_live(DavJob *job, const DavResource *res, const char *key, GString *out);
/* The keys allprop and propname list for res (static strings). */
const char *const *dav_prop_names(const DavResource *res);
/* One <response> for res: found properties in a 200 propstat, the rest
 * in 404.  keys NULL: allprop; names_only: propname. */
void dav_response(DavJob *job, const DavResource *res, GPtrArray *keys, gboolean names_only,
                  GString *out);
/* Before answering for many members of c: read once which of them have
 * dead properties, so that dav_response asks the store only for those. */
void dav_prefetch_dead(DavJob *job, const HermodDavCollection *c);
/* A <response> with just a status, for href. */
void dav_response_status(GString *out, const char *href, guint status);
/* Grow out at once to hold more bytes after its end. */
void dav_reserve(GString *out, gsize more);
const char *dav_reason(guint status);

/* The dead-property changes of the set/remove elements below update
 * (element HermodDavProp, xml NULL to remove); *out_protected when one
 * names a computed property.  (transfer full) */
GPtrArray *dav_prop_changes(xmlNode *update, gboolean *out_protected);

/* Validate job's body for c and store it as object name (object.c);
 * the job is answered (201/204 with ETag, or the error). */
gboolean dav_store_object(DavJob *job, HermodDavCollection *c, const char *name,
                          const char *if_match, gboolean if_none_match);

/* Implicit scheduling (schedule.c) after new_text was stored in a
 * calendar (old_text: what it replaced, nullable): iTIP to attendees or
 * the organizer.  Returns the organizer's copy with SCHEDULE-STATUS set,
 * to store instead (transfer full), or NULL. */
char *dav_schedule_put(DavJob *job, const char *old_text, const char *new_text);
/* After old_text was deleted: CANCEL to its attendees when the account
 * organized it. */
void dav_schedule_delete(DavJob *job, const char *old_text);

/* --- locks (locks.c, lock.c) --- */
/* The If header and the locks on path (and also, nullable: MOVE's
 * destination) allow this write?  Else the job is answered (400, 412,
 * 423). */
gboolean dav_locks_check(DavJob *job, const char *path, const char *also);
/* A new lock's token (transfer full), or NULL when a lock conflicts. */
char *dav_locks_add(const char *path, gboolean is_shared, gboolean is_deep, const char *owner,
                    guint timeout);
gboolean dav_locks_refresh(const char *token, const char *path, guint timeout);
gboolean dav_locks_remove(const char *token, const char *path);
/* Forget the locks on path and below (it was deleted or moved away). */
void dav_locks_drop(const char *path);
/* <D:lockdiscovery> of path. */
void dav_locks_discovery(const char *path, GString *out);
/* The ETag of the member at path (decoded), or NULL.  (transfer full) */
char *dav_etag_of(DavJob *job, const char *path);
void dav_lock(DavJob *job, DavPath *path);
/* Does an instance of o's component (VEVENT, VJOURNAL) overlap [start,
 * end) (RFC 4791 9.9)?  From the instances kept for o's ETag, or worked
 * out from text and kept (instances.c); FALSE when o is not one to keep
 * (unbounded, another component): ask the core instead. */
gboolean dav_instances_overlap(const HermodDavObject *o, const char *component, const char *text,
                               gint64 start, gint64 end, gboolean *out);
void dav_instances_clear(void);
/* POST of a VFREEBUSY request to the schedule outbox (outbox.c). */
void dav_post(DavJob *job, DavPath *path);
void dav_unlock(DavJob *job, DavPath *path);

/* Apply iMIP as it is delivered into an account's INBOX (imip-in.c):
 * start and stop watching deliveries. */
void dav_imip_start(void);
void dav_imip_stop(void);

/* --- methods --- */
void dav_propfind(DavJob *job, DavPath *path);
void dav_proppatch(DavJob *job, DavPath *path);
void dav_mkcol(DavJob *job, DavPath *path);
void dav_get(DavJob *job, DavPath *path);
void dav_put(DavJob *job, DavPath *path);
void dav_delete(DavJob *job, DavPath *path);
void dav_copymove(DavJob *job, DavPath *path);
void dav_report(DavJob *job, DavPath *path);

/* --- resources, shared by the methods (resource.c) --- */
/* The collection the path names (or its object's); *out NULL with the
 * job answered 404 when absent; FALSE when the store failed (answered). */
gboolean dav_find_collection(DavJob *job, DavPath *path, HermodDavCollection **out);
/* Does etag pass the request's If-Match / If-None-Match (for reads)? */
gboolean dav_etag_matches(const char *header, const char *etag);

/* --- nested members of plain collections (plain.c) --- */
/* Is o a subcollection marker (name ends in '/')? */
gboolean dav_is_marker(const HermodDavObject *o);
/* "a/b/" for "a/b/c" and "a/b/c/"; NULL at the top.  (transfer full) */
char *dav_parent_of(const char *name);
/* Is name at the top or is its parent marker there? */
gboolean dav_parent_ok(DavJob *job, const HermodDavCollection *c, const char *name);
/* The member path names: the object, or (plain collections) the marker
 * of that name.  (transfer full) or NULL. */
HermodDavObject *dav_member(DavJob *job, const HermodDavCollection *c, const DavPath *path);
/* Members whose name starts with prefix (NULL: all); only_children: not
 * deeper than one level.  Without data.  (transfer full) */
GPtrArray *dav_members(DavJob *job, const HermodDavCollection *c, const char *prefix,
                       gboolean only_children);
/* Delete the marker dir and everything below it. */
gboolean dav_delete_tree(DavJob *job, const HermodDavCollection *c, const char *dir,
                         GError **error);
/* Make the marker dir (create only: EXISTS becomes PRECONDITION). */
gboolean dav_make_marker(DavJob *job, const HermodDavCollection *c, const char *dir,
                         GError **error);

/* --- content (ical.c, vcard.c) --- */
typedef struct {
    char *uid;                /* (transfer full) */
    gint64 start, end;        /* span for the store */
    const char *precondition; /* NULL: valid; else the CALDAV/CARDDAV element */
    char *detail;
} DavCheck;
void dav_check_clear(DavCheck *c);
/* Validate an iCalendar resource for collection kind components. */
void dav_ical_check(const char *data, gsize len, const char *components, DavCheck *out);
void dav_vcard_check(const char *data, gsize len, DavCheck *out);
/* vCard lines, unfolded, CR stripped, empty ones dropped (transfer
 * full); a line's property name, upper case, group stripped (transfer
 * full); its value (transfer none); one parameter's value or NULL
 * (transfer full). */
GPtrArray *dav_vcard_unfold(const char *text);
char *dav_vcard_name(const char *line);
const char *dav_vcard_value(const char *line);
char *dav_vcard_param(const char *line, const char *param);
/* The UID of a vCard (transfer full) or NULL. */
char *dav_vcard_uid(const char *data, gsize len);

/* --- filters (filter.c) --- */
/* Does the iCalendar object pass the CALDAV:filter element? */
gboolean dav_cal_filter(const xmlNode *filter, const char *ical);
gboolean dav_card_filter(const xmlNode *filter, const char *vcard);
/* A CALDAV time-range's start/end ("20240101T000000Z"); absent start is
 * G_MININT64, absent end G_MAXINT64.  FALSE when malformed. */
gboolean dav_time_range(const xmlNode *tr, gint64 *out_start, gint64 *out_end);

#endif
