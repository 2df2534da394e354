export interface SessionResponse {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  /** When the session ends if it is not used again: the earlier of its idle and absolute ends. */
  expiresAt: string;
  userAgent: string | null;
  /** The session making this request. */
  current: boolean;
}
