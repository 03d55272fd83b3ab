/**
 * The matter file format: MatterDefinitionSchema as a file holds it. Every field of the
 * engine's definition is taken from its schema (so a field added there is a field of the
 * file), except that `form` and each step's `output` are JSON Schema objects instead of
 * zod schemas, and `version` is optional (a deploy assigns the next one).
 */
import { MatterDefinitionSchema, MaterialSpec, StageSpec, StepSpec } from '@onematter/engine';
import { z } from 'zod';
import { RuleSpec } from './rules.js';

const JsonSchemaObject = z
  .record(z.string(), z.unknown())
  .meta({ description: 'A JSON Schema (draft 2020-12) object: type, properties, required, enum, minimum, pattern, … Field checks are named by `format` (uscc, resident-id, cn-mobile, cn-postal-code, date, past-date, person-name, org-name, address); `title` is what a clerk reads (Chinese).' });

export const MatterFileStep = StepSpec.extend({
  output: JsonSchemaObject.optional().meta({ description: 'The fields the department returns, as JSON Schema; `x-prefill: "step.field"` starts a person\'s decision from another step\'s output.' }),
}).strict();

export const MatterFileSchema = z
  .object({
    ...MatterDefinitionSchema.shape,
    $schema: z.string().optional().meta({ description: 'Where editors find this schema, e.g. http://localhost:3000/api/v1/matters/schema' }),
    version: MatterDefinitionSchema.shape.version.optional().meta({ description: 'Ignored on deploy: the store assigns the next version of the matter.' }),
    form: JsonSchemaObject.meta({ description: 'The one form (一表申请), as a JSON Schema object with `type: object`.' }),
    materials: z.array(MaterialSpec.strict()),
    stages: z.array(StageSpec.strict()).default([]),
    steps: z.array(MatterFileStep).min(1),
    rules: z.array(RuleSpec).default([]).meta({ description: 'Cross-field checks of the form (JSON Logic), each with the field it is about and its message: see docs/authoring.md.' }),
  })
  .strict()
  .meta({ title: 'OneMatter matter definition (事项定义文件)', description: 'A bundled matter (一件事) as a file: see docs/authoring.md.' });

export type MatterFile = z.input<typeof MatterFileSchema>;

/** The JSON Schema of the file format itself (GET /api/v1/matters/schema). */
export const matterFileJsonSchema = (): Record<string, unknown> =>
  z.toJSONSchema(MatterFileSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
