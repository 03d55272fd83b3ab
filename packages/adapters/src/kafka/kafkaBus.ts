import { KafkaBus as DepartmentKafkaBus, type KafkaBusOptions } from '@onematter/department';
import { DEPARTMENTS } from '@onematter/engine';

export { VALUE_ENCODING_HEADER, type KafkaBusLogLevel, type KafkaBusLogger, type KafkaBusOptions } from '@onematter/department';

/** The Kafka bus of `@onematter/department`, whose `init()` creates the topics of every department the engine knows. */
export class KafkaBus extends DepartmentKafkaBus {
  constructor(options: KafkaBusOptions) {
    super({ departments: DEPARTMENTS, ...options });
  }
}
