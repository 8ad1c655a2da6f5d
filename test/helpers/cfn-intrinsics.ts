/**
 * CloudFormation's intrinsic functions, resolved against local values: what a template's
 * `Environment` or `DefinitionSubstitutions` become once the stack's resources exist somewhere
 * else (moto's server, a test's folder). A reference the test has no value for fails, naming it.
 */

/** The physical values a test gives the template's resources. */
export interface CfnValues {
  /** `AWS::Region`, `AWS::AccountId`, … */
  readonly pseudo: Readonly<Record<string, string>>;
  /** A resource's `Ref`, by logical id. */
  readonly refs: Readonly<Record<string, string>>;
  /** A resource's `Fn::GetAtt` attributes, by logical id then attribute. */
  readonly attributes: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Raised for an intrinsic the values do not cover, or one this resolver does not know. */
export class UnresolvedIntrinsicError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnresolvedIntrinsicError';
  }
}

/** The pseudo parameters of a stack in `region` of `accountId`. */
export function pseudoParameters(region: string, accountId: string, stackName: string): Record<string, string> {
  return {
    'AWS::Region': region,
    'AWS::AccountId': accountId,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stackName,
  };
}

function ref(name: string, values: CfnValues): string {
  const value = values.pseudo[name] ?? values.refs[name];
  if (value === undefined) throw new UnresolvedIntrinsicError(`no local value for Ref ${name}`);
  return value;
}

function getAtt(logicalId: string, attribute: string, values: CfnValues): string {
  const value = values.attributes[logicalId]?.[attribute];
  if (value === undefined) throw new UnresolvedIntrinsicError(`no local value for Fn::GetAtt ${logicalId}.${attribute}`);
  return value;
}

/** `Fn::Sub`'s `${Name}`, `${Logical.Attribute}` and `${!Literal}`. */
function sub(template: string, variables: Record<string, unknown>, values: CfnValues): string {
  return template.replace(/\$\{([^}]*)\}/g, (_whole, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in variables) return String(resolveIntrinsics(variables[name], values));
    const dot = name.indexOf('.');
    return dot > 0 && !name.startsWith('AWS::') ? getAtt(name.slice(0, dot), name.slice(dot + 1), values) : ref(name, values);
  });
}

/**
 * A template value with every `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join` and `Fn::Select`
 * replaced by its local value.
 */
export function resolveIntrinsics(value: unknown, values: CfnValues): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, values));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [[fn, arg]] = entries;
    switch (fn) {
      case 'Ref':
        return ref(arg as string, values);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = typeof arg === 'string' ? arg.split(/\.(.*)/) : (arg as [string, string]);
        return getAtt(logicalId, attribute, values);
      }
      case 'Fn::Sub':
        return typeof arg === 'string'
          ? sub(arg, {}, values)
          : sub((arg as [string, Record<string, unknown>])[0], (arg as [string, Record<string, unknown>])[1], values);
      case 'Fn::Join': {
        const [separator, items] = arg as [string, unknown[]];
        return (resolveIntrinsics(items, values) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, items] = arg as [number | string, unknown[]];
        return (resolveIntrinsics(items, values) as unknown[])[Number(index)];
      }
      default:
        if (fn.startsWith('Fn::') || fn === 'Condition') throw new UnresolvedIntrinsicError(`${fn} is not resolved locally`);
    }
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveIntrinsics(item, values)]));
}
