// Original file: proto/ferry/v1/jobs.proto

import type { Notification as _ferry_v1_Notification, Notification__Output as _ferry_v1_Notification__Output } from '../../ferry/v1/Notification.js';

export interface NotificationsResponse {
  'job_id'?: (string);
  'notifications'?: (_ferry_v1_Notification)[];
  'next_page_token'?: (string);
}

export interface NotificationsResponse__Output {
  'job_id'?: (string);
  'notifications'?: (_ferry_v1_Notification__Output)[];
  'next_page_token'?: (string);
}
