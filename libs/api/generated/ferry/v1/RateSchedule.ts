// Original file: proto/ferry/v1/jobs.proto

import type { RateWindow as _ferry_v1_RateWindow, RateWindow__Output as _ferry_v1_RateWindow__Output } from '../../ferry/v1/RateWindow.js';

/**
 * Each window starts at `at` (HH:MM or HH:MM:SS, on `days` such as "mon-fri", every day when absent) and holds
 * until the next window starts; read in `timezone`, else the job's schedule's zone, else UTC. A rate of 0: no limit.
 */
export interface RateSchedule {
  'timezone'?: (string);
  'windows'?: (_ferry_v1_RateWindow)[];
  '_timezone'?: "timezone";
}

/**
 * Each window starts at `at` (HH:MM or HH:MM:SS, on `days` such as "mon-fri", every day when absent) and holds
 * until the next window starts; read in `timezone`, else the job's schedule's zone, else UTC. A rate of 0: no limit.
 */
export interface RateSchedule__Output {
  'timezone'?: (string);
  'windows'?: (_ferry_v1_RateWindow__Output)[];
}
