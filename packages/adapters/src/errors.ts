export { describeError } from '@onematter/department';
