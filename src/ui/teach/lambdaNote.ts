// Why moving λ leaves the student's bars where they are: one sentence, said by the λ panel and by the tour's λ step.
export const LAMBDA_BARS_FIXED =
  'The student’s bars do not move: they come from a model already trained with a fixed λ, and λ here only weighs this step’s loss terms, not the weights.';
