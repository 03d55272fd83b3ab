/**
 * Streams that are not cases. They live in the same store and the same hash chain
 * rules as cases (so an auditor verifies them the same way), under ids that start
 * with `$`, which no case id does (case ids are UUIDs or caller-chosen slugs; the
 * API never creates one with a `$`). Projections and the event feed skip them.
 *
 *   $anchors                    DailyAnchorRecorded, one per anchored day
 *   $access-log-YYYY-MM-DD      CaseRead, every auditor's read, and TamperedRecordRefused, by China calendar day
 */
export const SYSTEM_STREAM_PREFIX = '$';

export const ANCHOR_STREAM = '$anchors';

export const ACCESS_LOG_PREFIX = '$access-log-';

/** The access-log stream of one China calendar day ('YYYY-MM-DD'). */
export const accessLogStream = (day: string): string => `${ACCESS_LOG_PREFIX}${day}`;

export const isSystemStream = (streamId: string): boolean => streamId.startsWith(SYSTEM_STREAM_PREFIX);

export const isCaseStream = (streamId: string): boolean => !isSystemStream(streamId);
