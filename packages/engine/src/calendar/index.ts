export {
  CalendarRangeError,
  WorkingCalendar,
  shanghaiDayEnd,
  toShanghaiDate,
  type CalendarData,
  type WorkingCalendarOptions,
} from './calendar.js';
export { CN_CALENDAR_DATA } from './cn-data.js';
