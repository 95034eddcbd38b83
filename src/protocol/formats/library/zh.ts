/** The shipped formats in Chinese (简体中文). */
import type { LanguagePack } from './pack.js';

export const zh: LanguagePack = {
  lang: 'zh',
  designations: { vessel: '舰船', aircraft: '航空器', submarine: '潜艇', unit: '部队', other: '其他' },
  formats: {
    'launch-notification': {
      title: '发射通报',
      fields: { launch_type: '发射类型', vehicle: '运载器', window_start: '发射窗口开始', window_end: '发射窗口结束', launch_area: '发射区域', impact_area: '落区', remarks: '备注' },
      values: { launch_type: { 'ballistic-missile': '弹道导弹发射', 'space-launch': '航天发射' } },
    },
    'unplanned-encounter': {
      title: '意外相遇报告',
      fields: { time: '相遇时间', own_unit: '我方单位', own_position: '我方位置', other_unit: '对方单位', other_position: '对方位置', closest_approach: '最近会遇距离', actions_taken: '已采取的行动', request: '请求' },
      values: { request: { none: '无请求', intentions: '请说明你方意图', 'increase-distance': '请增大距离', 'cease-activity': '请停止该活动', call: '请求通话' } },
    },
    'exercise-notice': {
      title: '军事活动或演习通报',
      fields: { name: '活动名称', area: '区域', start: '开始', end: '结束', scale: '规模', personnel: '人员', aircraft: '航空器', vessels: '舰船', remarks: '备注' },
      values: { scale: { small: '小', medium: '中', large: '大（重大军事活动）' } },
    },
    'incident-report': {
      title: '事件报告',
      fields: { what: '事件', time: '时间', position: '位置', description: '描述', casualties: '伤亡人数', assistance: '所需援助' },
      values: {
        what: { collision: '碰撞', accident: '事故', explosion: '爆炸', 'stray-munition': '偏离弹药', 'border-incident': '边境事件', 'aircraft-down': '航空器坠毁', other: '其他' },
        assistance: { none: '无', medical: '医疗', 'search-and-rescue': '搜救', technical: '技术', other: '其他' },
      },
    },
    'safety-notice': {
      title: '空域或海上安全通告',
      fields: { domain: '领域', hazard: '危险', area: '区域', start: '自', end: '至', upper_limit: '上限高度', remarks: '备注' },
      values: {
        domain: { airspace: '空域', maritime: '海上' },
        hazard: { firing: '实弹射击', missile: '导弹活动', 'space-debris': '空间碎片', exercise: '演习', navigation: '航行危险', other: '其他' },
      },
    },
    'sar-request': {
      title: '搜救请求',
      fields: { nature: '遇险性质', time: '时间', position: '最后已知位置', distressed: '遇险舰船或航空器', persons: '机（船）上人数', assistance: '请求的援助' },
      values: { nature: { sinking: '沉没', 'ditched-aircraft': '航空器水上迫降', fire: '火灾', medical: '医疗急救', missing: '失踪', other: '其他' } },
    },
    'call-request': {
      title: '通话请求',
      fields: { level: '级别', medium: '通话或视频', proposed_time: '建议时间', within: '期限', topic: '议题' },
      values: {
        level: { leaders: '领导人', ministerial: '部长级', military: '军事指挥官', working: '工作层级', technical: '技术层级' },
        medium: { voice: '语音通话', video: '视频连线' },
      },
    },
    'cyber-incident': {
      title: '网络安全事件通报',
      fields: { tlp: '信息共享等级（TLP）', detected: '发现时间', sectors: '受影响行业', indicators: '威胁指标', summary: '摘要', assistance: '请求的援助' },
      values: {
        tlp: { CLEAR: 'TLP:CLEAR（公开）', GREEN: 'TLP:GREEN（社区内）', AMBER: 'TLP:AMBER（限组织内）', 'AMBER+STRICT': 'TLP:AMBER+STRICT（仅限本组织）', RED: 'TLP:RED（仅限接收者）' },
        sectors: { energy: '能源', water: '水务', health: '卫生', finance: '金融', transport: '交通', telecom: '电信', government: '政府', defence: '国防', space: '航天', other: '其他' },
        assistance: { none: '无', information: '信息', mitigation: '协助处置', takedown: '关停基础设施', other: '其他' },
      },
    },
    'standard-phrase': {
      title: '标准用语',
      fields: { phrase: '用语', addressee: '致', position: '位置' },
      values: {
        phrase: {
          'request-intentions': '请说明你方意图。',
          manoeuvring: '我正在机动。',
          'pass-astern': '我准备从你船尾通过。',
          'pass-ahead': '我准备从你船首通过。',
          'flight-operations': '我正在进行飞行作业。',
          'keep-clear': '请远离我。',
          'altering-starboard': '我正在向右转向。',
          'altering-port': '我正在向左转向。',
          'reducing-speed': '我正在减速。',
          stopping: '我正在停船。',
          'not-under-command': '我失去控制。',
          'restricted-manoeuvrability': '我操纵能力受限。',
          'gunnery-exercise': '我正在进行射击训练。',
          'submarine-operations': '我正在进行潜艇作业。',
          understood: '明白。',
          'not-understood': '我不明白。',
          'say-again': '请重复。',
          'intend-to-overtake': '我准备追越你。',
          'no-hostile-intent': '我没有敌意。',
          'request-call': '我请求在约定级别通话。',
        },
      },
      template: '{phrase}\n{addressee:label}：{addressee}\n{position:label}：{position}',
    },
  },
};
