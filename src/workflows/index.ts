export { subscriptionWorkflow } from './subscription.workflow';
export { subscriptionLifecycleWorkflow } from './lifecycle/workflow';
