/** Types of `asl-validator` 4 (the package ships none): validates an Amazon States Language document. */
declare module 'asl-validator' {
  interface AslValidatorOptions {
    readonly checkPaths?: boolean;
    readonly checkArn?: boolean;
  }
  interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly { readonly Message?: string; readonly 'Error code'?: string }[];
  }
  function validator(definition: unknown, options?: AslValidatorOptions): AslValidationResult;
  export = validator;
}
