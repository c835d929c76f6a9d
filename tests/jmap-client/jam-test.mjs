// SPDX-License-Identifier: GPL-2.0-or-later
//
// jam-test.mjs - jmap-jam, a third-party JMAP client from npm, drives a
// running hermodd: session, mailbox list, query, get, set, an upload,
// a draft and its submission.  Run by tests/integration/test-jmap-client.py
// with HERMOD_JMAP_URL, HERMOD_JMAP_USER, HERMOD_JMAP_PASSWORD and a
// recipient; prints one JSON object of what it saw for the test to check.
import JamClient from "jmap-jam";

const url = process.env.HERMOD_JMAP_URL;
const basic = "Basic " + Buffer.from(process.env.HERMOD_JMAP_USER + ":" +
                                     process.env.HERMOD_JMAP_PASSWORD).toString("base64");
const rcpt = process.env.HERMOD_JMAP_RCPT;

// jmap-jam speaks bearer tokens; hermod takes HTTP Basic or its web
// session.  Its header and session are plain properties: use Basic.
const jam = new JamClient({ sessionUrl: url, bearerToken: "unused" });
jam.session.catch(() => {});
jam.authHeader = basic;
jam.session = JamClient.loadSession(url, basic);

const out = {};
const accountId = await jam.getPrimaryAccount();
out.accountId = accountId;

const [boxes] = await jam.api.Mailbox.get({ accountId });
out.mailboxes = boxes.list.map((m) => m.role || m.name).sort();
const byRole = Object.fromEntries(boxes.list.map((m) => [m.role, m.id]));

const [results] = await jam.requestMany((b) => {
  const query = b.Email.query({
    accountId,
    filter: { inMailbox: byRole.inbox },
    sort: [{ property: "receivedAt", isAscending: false }],
    limit: 10,
  });
  const get = b.Email.get({
    accountId,
    ids: query.$ref("/ids"),
    properties: ["subject", "from", "keywords", "preview"],
  });
  return { query, get };
});
out.subjects = results.get.list.map((e) => e.subject);
const first = results.get.list[0];

await jam.api.Email.set({ accountId, update: { [first.id]: { "keywords/$seen": true } } });
const [again] = await jam.api.Email.get({ accountId, ids: [first.id], properties: ["keywords"] });
out.seen = again.list[0].keywords.$seen === true;

const upload = await jam.uploadBlob(accountId, new Blob(["attached by jam\n"], { type: "text/plain" }));
out.uploadSize = upload.size;

const [identities] = await jam.api.Identity.get({ accountId });
const [created] = await jam.api.Email.set({
  accountId,
  create: {
    draft: {
      mailboxIds: { [byRole.drafts]: true },
      keywords: { $draft: true },
      from: [{ email: process.env.HERMOD_JMAP_USER }],
      to: [{ email: rcpt }],
      subject: "Sent by jmap-jam",
      textBody: [{ partId: "body", type: "text/plain" }],
      bodyValues: { body: { value: "Hello from jmap-jam." } },
      attachments: [{ blobId: upload.blobId, type: "text/plain", name: "jam.txt" }],
    },
  },
});
const draftId = created.created.draft.id;
// One call: its implicit Email/set response shares the call id, and
// request() returns the first response, the EmailSubmission/set.
const [sent] = await jam.api.EmailSubmission.set({
  accountId,
  create: { s: { identityId: identities.list[0].id, emailId: draftId } },
  onSuccessUpdateEmail: {
    "#s": { [`mailboxIds/${byRole.sent}`]: true, [`mailboxIds/${byRole.drafts}`]: null,
            "keywords/$draft": null },
  },
});
if (!sent.created?.s)
  throw new Error("submission refused: " + JSON.stringify(sent));
out.submission = sent.created.s.id;
const [moved] = await jam.api.Email.get({ accountId, ids: [draftId], properties: ["mailboxIds"] });
out.inSent = moved.list[0].mailboxIds[byRole.sent] === true;

// Identity/set: the login's identity takes a name and a signature.
const [idSet] = await jam.api.Identity.set({
  accountId,
  update: { [identities.list[0].id]: { name: "Jam User", textSignature: "-- \njam" } },
});
out.identityUpdated = Object.keys(idSet.updated || {});
const [idAfter] = await jam.api.Identity.get({ accountId, ids: [identities.list[0].id] });
out.identity = [idAfter.list[0].name, idAfter.list[0].textSignature];

// Opening the inbox as the webmail does (the store's paged list), and
// Mailbox/queryChanges after a new mailbox.
const [page] = await jam.api.Email.query({
  accountId, filter: { inMailbox: byRole.inbox }, collapseThreads: true,
  sort: [{ property: "receivedAt", isAscending: false }], limit: 5, calculateTotal: true,
});
out.pageTotal = page.total;
const [mq] = await jam.api.Mailbox.query({ accountId });
await jam.api.Mailbox.set({ accountId, create: { n: { name: "From jam" } } });
const [mqc] = await jam.api.Mailbox.queryChanges({ accountId, sinceQueryState: mq.queryState });
out.mailboxAdded = mqc.added.length;

try {
  await jam.api.Email.get({ accountId: "aNOTMINE", ids: [draftId] });
  out.foreign = "accepted";
} catch (e) {
  out.foreign = e.type;
}
console.log(JSON.stringify(out));
