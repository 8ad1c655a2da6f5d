/**
 * The four SNS topics of the seed document: TLS-only, KMS-encrypted, with e-mail subscribers
 * from the deployment settings.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IDependable } from 'constructs';

import { TOPICS } from '../../core/outcome';
import { MissingTopicPolicyError } from '../errors';
import type { PhysicalNames } from '../physical-names';
import type { TopicRole } from '../settings';

/** Properties of {@link NotificationTopics}. */
export interface NotificationTopicsProps {
  readonly names: PhysicalNames;
  /** Key of the topics' server-side encryption. */
  readonly encryptionKey: IKey;
  /** E-mail subscribers per topic (each confirms by e-mail before receiving anything). */
  readonly emails: Readonly<Record<TopicRole, readonly string[]>>;
}

/** The success, warning, failure and critical-alert topics. */
export class NotificationTopics extends Construct {
  /** The topics by role; their names are those of the seed (`etl-job-success`, …), stage-prefixed. */
  readonly byRole: Readonly<Record<TopicRole, sns.Topic>>;

  constructor(scope: Construct, id: string, props: NotificationTopicsProps) {
    super(scope, id);
    const make = (role: TopicRole, logicalId: string): sns.Topic => {
      const topicName = props.names.of(TOPICS[role]);
      const topic = new sns.Topic(this, logicalId, {
        topicName,
        displayName: `ETL pipeline: ${topicName}`,
        masterKey: props.encryptionKey,
        enforceSSL: true,
      });
      for (const email of props.emails[role]) topic.addSubscription(new subscriptions.EmailSubscription(email));
      return topic;
    };
    this.byRole = {
      success: make('success', 'Success'),
      warning: make('warning', 'Warning'),
      failure: make('failure', 'Failure'),
      critical: make('critical', 'Critical'),
    };
  }

  /**
   * Lets an AWS service publish to the critical topic (CloudWatch alarms, AWS Budgets), limited
   * to this account. The key policy must also let the service use the topic's key.
   * @returns the topic policy, for what the service checks at creation (a budget's subscriber).
   */
  allowServiceToAlert(service: string, account: string): IDependable {
    const { policyDependable } = this.byRole.critical.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `Allow${service.split('.')[0].replace(/^./, (c) => c.toUpperCase())}Publish`,
        principals: [new iam.ServicePrincipal(service)],
        actions: ['sns:Publish'],
        resources: [this.byRole.critical.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    // A topic created in this stack always has a policy (enforceSSL made it).
    if (!policyDependable) throw new MissingTopicPolicyError('the critical topic has no resource policy');
    return policyDependable;
  }
}
