"""纪委再监督 (SPEC §7): the discipline organs watch the watchers — read-only, four kinds, each
with its overdue and unhandled lists and a drill-down page.

1. alerts  — how alerts were handled: overdue rectifications, alerts without a 督办 after N
   days, escalations, alerts closed because "the condition cleared" (who, why);
2. clues   — how clues were verified: public objections to notices (pending, how long they
   waited), public monitoring declarations not verified within N days;
3. duties  — whether units performed their supervision: per unit alerts, 督办 notices issued,
   rectifications on time, overdue; inspection plans without a visit;
4. cadres  — cadres' discipline: household exits let through below the criteria (override
   reason), accountability records.

The page needs Perm.SUPERVISE; a `?region=` outside it is 404, inside without it 403. Every
list is filtered with `actor.scope_q(Perm.SUPERVISE)` and the chosen region's prefix. The
selectors below build display tables (cells with optional links) so both pages share one
template; they only read.

The pieces: `common` (tables, scope, links), one module per kind (`alerts`, `clues`, `duties`,
`cadres`), and `pages` (the two views).
"""

from fupin.supervision.discipline.views.pages import kind_detail, overview

__all__ = ["kind_detail", "overview"]
