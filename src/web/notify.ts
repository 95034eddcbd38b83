/**
 * Alerts outside the page: desktop notifications (asked for at sign-in), and the tab's title and
 * icon carrying the count, so that a console in a background tab or a minimised window still
 * alerts.
 */
import type { Alarm } from './alarms.js';

/** Asks for permission to notify: call from the sign-in click (a user gesture). */
export function askNotifications(): void {
  if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission().catch(() => {});
}

/** Whether desktop notifications will show. */
export function notificationsAllowed(): boolean {
  return typeof Notification !== 'undefined' && Notification.permission === 'granted';
}

/** A desktop notification for an alarm; clicking it brings the console forward on its channel. */
export function notifyAlarm(alarm: Alarm, title: string, onOpen: (channel: string) => void): void {
  if (!notificationsAllowed()) return;
  try {
    const n = new Notification(title, { body: alarm.text.slice(0, 200), tag: alarm.id, requireInteraction: alarm.precedence === 'FLASH' });
    n.onclick = () => {
      window.focus();
      onOpen(alarm.channel);
      n.close();
    };
  } catch {
    // Some browsers allow notifications only from a service worker: the banner and the ring remain.
  }
}

/** The tab's icon: a red disc with the count while alarms are up, else a plain dark disc. */
export function setTabIcon(alarms: number, waiting: number): void {
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 32;
  const g = canvas.getContext('2d');
  if (!g) return;
  g.fillStyle = alarms > 0 ? '#c00' : waiting > 0 ? '#b36b00' : '#334';
  g.beginPath();
  g.arc(16, 16, 15, 0, Math.PI * 2);
  g.fill();
  const n = alarms || waiting;
  if (n > 0) {
    g.fillStyle = '#fff';
    g.font = 'bold 20px sans-serif';
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(n > 99 ? '99' : String(n), 16, 17);
  }
  let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) {
    link = document.createElement('link');
    link.rel = 'icon';
    document.head.appendChild(link);
  }
  link.href = canvas.toDataURL('image/png');
  link.dataset.count = String(n);
}
