/**
 * The four SNS topics of the seed document: TLS-only, KMS-encrypted, with e-mail subscribers
 * from the deployment settings.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

import { TOPICS } from '../../core/outcome';
import type { TopicRole } from '../settings';

/** Properties of {@link NotificationTopics}. */
export interface NotificationTopicsProps {
  /** Key of the topics' server-side encryption. */
  readonly encryptionKey: IKey;
  /** E-mail subscribers per topic (each confirms by e-mail before receiving anything). */
  readonly emails: Readonly<Record<TopicRole, readonly string[]>>;
}

/** The success, warning, failure and critical-alert topics. */
export class NotificationTopics extends Construct {
  /** The topics by role; their names are those of the seed (`etl-job-success`, …). */
  readonly byRole: Readonly<Record<TopicRole, sns.Topic>>;

  constructor(scope: Construct, id: string, props: NotificationTopicsProps) {
    super(scope, id);
    const make = (role: TopicRole, logicalId: string): sns.Topic => {
      const topic = new sns.Topic(this, logicalId, {
        topicName: TOPICS[role],
        displayName: `ETL pipeline: ${TOPICS[role]}`,
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
   */
  allowServiceToAlert(service: string, account: string): void {
    this.byRole.critical.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `Allow${service.split('.')[0].replace(/^./, (c) => c.toUpperCase())}Publish`,
        principals: [new iam.ServicePrincipal(service)],
        actions: ['sns:Publish'],
        resources: [this.byRole.critical.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
  }
}
