/** Quizzes and predict mode: generated questions over random scenarios, answers and explanations from the engine. */
export { makeQuiz, makeQuestion, quizVariants, TOPICS } from './generate';
export { checkQuizAnswer, type CheckResult } from './check';
export { checkPrediction, revealPrediction, type PredictAnswer, type PredictResult } from './predict';
export { QUIZ_TOPICS, type AnswerKind, type Question, type Quiz, type QuizChoice, type QuizTopic, type QuizTrap } from './types';
