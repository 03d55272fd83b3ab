export {
  CalendarRangeError,
  WorkingCalendar,
  shanghaiDayEnd,
  toShanghaiDate,
  type CalendarData,
  type WorkingCalendarOptions,
} from './calendar.js';
export { CN_CALENDAR_DATA } from './cn-data.js';
export { parseNotice, parseNoticeJson, noticeJson, readNotice, type NoticeParse, type NoticeYear, type NoticeYearJson } from './notice.js';
export {
  CALENDAR_STREAM,
  builtInRecords,
  calendarAsOf,
  calendarRecordsOf,
  calendarYearRecorded,
  changedDays,
  type CalendarRecord,
  type CalendarSource,
  type CalendarYearRecorded,
} from './events.js';
