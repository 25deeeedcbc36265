import { formatLatency } from './traffic/latency.js';
import type { CheckResult, VerificationReport } from './verify-receiver.js';

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

function escapeXml(value: string): string {
  // characters xml 1.0 cannot carry at all are dropped rather than escaped
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"']/g, (char) => XML_ESCAPES[char] ?? char);
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** a traffic check's answer times as testcase properties (ms), and as the text line in system-out */
function timings(result: CheckResult): { properties: string[]; output: string[] } {
  const { latency } = result;
  if (!latency) return { properties: [], output: [] };
  const properties = (['count', 'p50', 'p95', 'p99', 'max'] as const).map(
    (key) =>
      `        <property name="latency.${key}${key === 'count' ? '' : '.ms'}" value="${latency[key]}"/>`,
  );
  return {
    properties: ['      <properties>', ...properties, '      </properties>'],
    output: [`      <system-out>latency ${escapeXml(formatLatency(latency))}</system-out>`],
  };
}

/** the report as a JUnit XML document, one testcase per check, for CI test reporters */
export function toJUnitXml(report: VerificationReport, suiteName = 'omni-contract verify'): string {
  const cases = report.results.map((result) => {
    const open = `    <testcase classname="${escapeXml(report.url)}" name="${escapeXml(result.name)}" time="${seconds(result.durationMs)}"`;
    const reason = escapeXml(result.reason ?? '');
    const { properties, output } = timings(result);
    const inner = [
      ...properties,
      ...(result.status === 'fail'
        ? [`      <failure message="${reason}" type="ContractViolation">${reason}</failure>`]
        : []),
      ...(result.status === 'skip' ? [`      <skipped message="${reason}"/>`] : []),
      ...output,
    ];
    return inner.length ? [`${open}>`, ...inner, '    </testcase>'].join('\n') : `${open}/>`;
  });
  const tests = report.results.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(suiteName)}" tests="${tests}" failures="${report.failed}" skipped="${report.skipped}" time="${seconds(report.durationMs)}">`,
    `  <testsuite name="${escapeXml(suiteName)}" tests="${tests}" failures="${report.failed}" skipped="${report.skipped}" errors="0" time="${seconds(report.durationMs)}">`,
    ...(report.seed === undefined
      ? []
      : ['    <properties>', `      <property name="seed" value="${report.seed}"/>`, '    </properties>']),
    ...cases,
    ...(report.warnings?.length
      ? [`    <system-err>${report.warnings.map(escapeXml).join('\n')}</system-err>`]
      : []),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
