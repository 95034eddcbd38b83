/** Bilingual labels (English, Chinese) and the standard phrases offered as templates. */
import type { ReactNode } from 'react';

export const L = {
  signIn: ['Sign in', '登录'],
  name: ['Officer name', '值班员姓名'],
  password: ['Password', '密码'],
  code: ['6-digit code', '6位验证码'],
  signOut: ['Sign out', '退出'],
  channels: ['Channels', '频道'],
  awaiting: ['Awaiting your acknowledgement', '待您确认'],
  nothingAwaits: ['Nothing awaits acknowledgement.', '没有待确认的消息。'],
  more: ['more, with later deadlines', '条（截止时间较晚）'],
  acknowledge: ['Acknowledge', '确认收到'],
  acknowledged: ['Acknowledged', '已确认'],
  received: ['Received', '已送达'],
  notReceived: ['Not yet received', '尚未送达'],
  awaitingAck: ['Awaiting acknowledgement', '等待确认'],
  overdue: ['OVERDUE', '已超时'],
  send: ['Send', '发送'],
  message: ['Message', '消息'],
  precedence: ['Precedence', '等级'],
  language: ['Language', '语言'],
  templates: ['Templates', '标准用语'],
  reply: ['Reply', '回复'],
  replyingTo: ['Replying to', '回复'],
  cancel: ['Cancel', '取消'],
  link: ['Link', '链路'],
  rtt: ['Round-trip time (ms), last 24 h', '往返时延（毫秒），最近24小时'],
  open: ['Open', '打开'],
  silence: ['Silence', '静音'],
  enableSound: ['Enable sound', '开启声音'],
  drill: ['DRILL', '演练'],
  live: ['live', '实时'],
  offline: ['events offline', '事件连接中断'],
  noMessages: ['No messages yet.', '暂无消息。'],
  choose: ['Choose a channel.', '请选择频道。'],
} as const satisfies Record<string, readonly [string, string]>;

export type Label = keyof typeof L;

/** A label in both languages: English, then Chinese (marked lang="zh" for screen readers). */
export function Bi({ k, sep = ' ' }: { k: Label; sep?: string }): ReactNode {
  const [en, zh] = L[k];
  return (
    <>
      {en}
      {sep}
      <span lang="zh" className="zh">
        {zh}
      </span>
    </>
  );
}

/** Plain-text form of a label ("Acknowledge 确认收到"), for aria-labels and titles. */
export const bi = (k: Label): string => `${L[k][0]} ${L[k][1]}`;

/** Standard bilingual phrases (in the manner of CUES): inserted in both languages. */
export const TEMPLATES: ReadonlyArray<{ id: string; en: string; zh: string }> = [
  { id: 'received', en: 'Message received; we are looking into it.', zh: '收到，我们正在核实。' },
  { id: 'course', en: 'Request you maintain course and speed.', zh: '请保持航向航速。' },
  { id: 'intentions', en: 'Request your intentions.', zh: '请告知你方意图。' },
  { id: 'no-hostile', en: 'We have no hostile intent.', zh: '我方无敌对意图。' },
  { id: 'call-back', en: 'Stand by; we will call back within 15 minutes.', zh: '请稍候，我们将在15分钟内回复。' },
];
